#include "tools/swarm/cluster_credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "alter/backend/http/self_signed.hpp"

namespace alter::swarm {

namespace {

namespace fs = std::filesystem;

/// Far above a P-256 certificate or key in PEM (under 1 KiB each); a bound on
/// what is read before it is parsed.
constexpr std::uintmax_t max_pem_bytes = 64 * 1024;

/// Long enough for any run; the CA is made anew each run anyway.
constexpr int certificate_days = 7;

bool make_private_dir(const fs::path& dir, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || ::chmod(dir.c_str(), 0700) != 0) {
    error = "cannot create the directory " + dir.string() + " for the cluster's "
            + "certificates";
    return false;
  }
  return true;
}

/// Writes `content` to `path` with `mode`, replacing a file but never
/// following a symbolic link planted there.
bool write_file(const fs::path& path, const std::string& content, mode_t mode,
                std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  mode);
  bool ok = fd >= 0 && ::fchmod(fd, mode) == 0;
  std::size_t written = 0;
  while (ok && written < content.size()) {
    auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    if (ok)
      written += static_cast<std::size_t>(n);
  }
  if (fd >= 0 && ::close(fd) != 0)
    ok = false;
  if (!ok)
    error = "cannot write " + path.string() + ": " + std::strerror(errno);
  return ok;
}

bool write_member(const fs::path& dir, const std::string& name,
                  const backend::tls_identity& id, const std::string& ca_pem,
                  std::string& error) {
  return make_private_dir(dir, error) && write_file(dir / "ca.pem", ca_pem, 0644, error)
         && write_file(dir / (name + ".pem"), id.certificate_pem, 0644, error)
         && write_file(dir / (name + "-key.pem"), id.private_key_pem, 0600, error);
}

std::optional<std::string> read_bounded(const fs::path& path, std::string& error) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size > max_pem_bytes) {
    error = ec ? "cannot read " + path.string()
               : path.string() + " is larger than 64 KiB: not a certificate or key";
    return std::nullopt;
  }
  std::ifstream in{path, std::ios::binary};
  std::string out(static_cast<std::size_t>(size), '\0');
  if (!in.read(out.data(), static_cast<std::streamsize>(out.size()))) {
    error = "cannot read " + path.string();
    return std::nullopt;
  }
  return out;
}

} // namespace

std::optional<cluster_member_files> issue_cluster_credentials(const std::string& dir,
                                                              std::string& error) {
  try {
    auto ca = backend::make_certificate_authority("alter-swarm cluster CA",
                                                  certificate_days);
    auto coordinator = backend::issue_certificate(ca, "alter-swarm coordinator",
                                                  backend::certificate_use::tls_server,
                                                  certificate_days);
    auto worker = backend::issue_certificate(ca, "alter-swarm worker",
                                             backend::certificate_use::tls_client,
                                             certificate_days);
    fs::path root{dir};
    if (!make_private_dir(root, error)
        || !write_member(root / "coordinator", "coordinator", coordinator,
                         ca.certificate_pem, error)
        || !write_member(root / "worker", "worker", worker, ca.certificate_pem, error))
      return std::nullopt;
    auto own = root / "coordinator";
    return cluster_member_files{(own / "coordinator.pem").string(),
                                (own / "coordinator-key.pem").string(),
                                (own / "ca.pem").string()};
  } catch (const std::exception& e) {
    error = std::string{"cannot issue the cluster's certificates: "} + e.what();
    return std::nullopt;
  }
}

std::optional<cluster_member_files> load_worker_credentials(const std::string& dir,
                                                            std::string& error) {
  fs::path root{dir};
  cluster_member_files files{(root / "worker.pem").string(),
                             (root / "worker-key.pem").string(),
                             (root / "ca.pem").string()};
  auto cert_pem = read_bounded(files.certificate, error);
  auto key_pem = cert_pem ? read_bounded(files.key, error) : std::nullopt;
  auto ca_pem = key_pem ? read_bounded(files.ca, error) : std::nullopt;
  if (!ca_pem)
    return std::nullopt;
  if (!backend::is_matching_identity({*cert_pem, *key_pem})
      || !backend::is_certificate(*ca_pem)) {
    error = "the worker's certificates in " + dir
            + " do not parse or do not belong together: copy the coordinator's "
              "worker/ directory again";
    return std::nullopt;
  }
  return files;
}

} // namespace alter::swarm
