#include "benchmarks/backend_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace alter::bench {

namespace {

/// "http://127.0.0.1:8443" -> 8443; 0 when there is no port.
unsigned short port_after(const std::string& line, const std::string& label) {
  auto at = line.find(label);
  if (at == std::string::npos)
    return 0;
  auto scheme = line.find("://", at);
  auto colon = scheme == std::string::npos ? scheme : line.find(':', scheme + 3);
  if (colon == std::string::npos)
    return 0;
  return static_cast<unsigned short>(
      std::strtoul(line.c_str() + colon + 1, nullptr, 10));
}

} // namespace

backend_process::backend_process(const std::string& alter_local,
                                 const std::vector<std::string>& args,
                                 const std::string& log_path,
                                 const std::string& fsync_counter_lib,
                                 const std::string& fsync_counter_path) {
  int out[2];
  if (::pipe(out) != 0)
    throw std::runtime_error{"pipe failed"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> argv_s{alter_local, "serve"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e)
    env_s.emplace_back(*e);
  if (!fsync_counter_lib.empty()) {
    env_s.push_back("LD_PRELOAD=" + fsync_counter_lib);
    env_s.push_back("ALTER_FSYNC_COUNTER=" + fsync_counter_path);
    int fd = ::open(fsync_counter_path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0 && ::ftruncate(fd, sizeof(uint64_t)) == 0) {
      void* p = ::mmap(nullptr, sizeof(uint64_t), PROT_READ, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED)
        fsyncs_ = static_cast<volatile uint64_t*>(p);
    }
    if (fd >= 0)
      ::close(fd);
  }
  std::vector<char*> envp;
  for (auto& e : env_s)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = posix_spawn(&pid_, alter_local.c_str(), &actions, nullptr, argv.data(),
                       envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  out_fd_ = out[0];
  if (rc != 0)
    throw std::runtime_error{"cannot start " + alter_local};
  bool bootstraps
      = std::find(args.begin(), args.end(), "--bootstrap-agents") != args.end();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  std::string pending;
  bool started = false;
  for (;;) {
    auto nl = pending.find('\n');
    if (nl != std::string::npos) {
      auto line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.find("API on ") != std::string::npos) {
        api_port_ = port_after(line, "API on ");
        provider_port_ = port_after(line, "providers on ");
        started = true;
      } else if (line.rfind("agent ", 0) == 0) {
        agents_.emplace_back();
      } else if (!agents_.empty() && line.rfind("  key: ", 0) == 0) {
        agents_.back().api_key = line.substr(7);
      } else if (!agents_.empty() && line.rfind("  grant: ", 0) == 0
                 && agents_.back().grant_id.empty()) {
        agents_.back().grant_id = line.substr(9);
      }
      if (started && (!bootstraps || line.rfind("(keys and tokens", 0) == 0))
        return;
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p{out_fd_, POLLIN, 0};
    char buf[4096];
    ssize_t n = left > 0 && ::poll(&p, 1, static_cast<int>(left)) > 0
                    ? ::read(out_fd_, buf, sizeof buf)
                    : 0;
    if (n <= 0) {
      stop();
      throw std::runtime_error{"alter-local did not start; see " + log_path};
    }
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

backend_process::~backend_process() {
  stop();
}

void backend_process::stop() noexcept {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
  out_fd_ = -1;
  if (fsyncs_ != nullptr)
    ::munmap(const_cast<uint64_t*>(fsyncs_), sizeof(uint64_t));
  fsyncs_ = nullptr;
}

double backend_process::cpu_seconds() const {
  std::ifstream in{"/proc/" + std::to_string(pid_) + "/stat"};
  std::string stat{std::istreambuf_iterator<char>{in}, {}};
  // Fields after the parenthesised command name; utime and stime are 14 and 15.
  std::istringstream rest{stat.substr(stat.rfind(')') + 2)};
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14)
      ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

uint64_t backend_process::fsyncs() const {
  return fsyncs_ != nullptr ? *fsyncs_ : 0;
}

} // namespace alter::bench
