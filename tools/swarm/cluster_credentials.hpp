// The cluster's certificates. A coordinator makes a fresh certificate
// authority every run (its key never leaves the coordinator's memory), issues
// itself a server certificate and the workers one client certificate, and
// writes them for the operator to copy:
//
//   DIR/coordinator/{ca.pem, coordinator.pem, coordinator-key.pem}
//   DIR/worker/{ca.pem, worker.pem, worker-key.pem}     (copy to each worker)
//
// Directories are 0700, keys 0600. Certificates of an earlier run do not verify.
#pragma once

#include <optional>
#include <string>

namespace alter::swarm {

/// Where one member's TLS files are.
struct cluster_member_files {
  std::string certificate;
  std::string key;
  /// The cluster CA: the only certificate the member trusts.
  std::string ca;
};

/// Issues this run's cluster credentials under `dir` (see above) and returns the
/// coordinator's files; nullopt and `error` when they cannot be made or written.
std::optional<cluster_member_files> issue_cluster_credentials(const std::string& dir,
                                                              std::string& error);

/// The worker's files in `dir` (a copy of DIR/worker/), checked before CAF gets
/// them: each at most 64 KiB of PEM that parses, the key matching the
/// certificate. nullopt and `error` otherwise.
std::optional<cluster_member_files> load_worker_credentials(const std::string& dir,
                                                            std::string& error);

} // namespace alter::swarm
