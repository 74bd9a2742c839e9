// A backend the benchmark runs as users do: `alter-local serve` in its own
// process, its database in a file on disk (or on a PostgreSQL server), plain
// HTTP on loopback. Reads the ports and bootstrapped keys from its output,
// its CPU time from /proc, and its fsync() count through fsync_counter.cpp.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace alter::bench {

struct bootstrapped_agent {
  std::string api_key;
  std::string grant_id;
};

class backend_process {
public:
  /// Starts `alter_local serve ARGS...` with `fsync_counter_lib` preloaded (empty:
  /// no fsync count); its stderr goes to `log_path`. Throws std::runtime_error
  /// when it does not come up within 30 s.
  backend_process(const std::string& alter_local, const std::vector<std::string>& args,
                  const std::string& log_path, const std::string& fsync_counter_lib,
                  const std::string& fsync_counter_path);
  /// SIGTERM, then SIGKILL after 10 s.
  ~backend_process();
  backend_process(const backend_process&) = delete;
  backend_process& operator=(const backend_process&) = delete;

  unsigned short api_port() const noexcept {
    return api_port_;
  }
  unsigned short provider_port() const noexcept {
    return provider_port_;
  }
  /// The agents `--bootstrap-agents` made (empty without it).
  const std::vector<bootstrapped_agent>& agents() const noexcept {
    return agents_;
  }

  /// User plus system CPU time the process has used so far.
  double cpu_seconds() const;
  /// fsync() and fdatasync() calls so far (0 without the counter).
  uint64_t fsyncs() const;

private:
  void stop() noexcept;

  pid_t pid_ = -1;
  unsigned short api_port_ = 0;
  unsigned short provider_port_ = 0;
  std::vector<bootstrapped_agent> agents_;
  int out_fd_ = -1;
  volatile uint64_t* fsyncs_ = nullptr;
};

} // namespace alter::bench
