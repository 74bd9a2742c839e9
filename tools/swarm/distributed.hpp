// A swarm over several processes or machines, on CAF's own network layer:
// caf::openssl with certificates of the cluster's own CA on both sides (plain
// caf::io on loopback when asked). The coordinator owns the backend and the
// scenario; each worker joins it, receives its share of the agents, drives them
// and sends back its report; the coordinator merges the reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "tools/swarm/cluster_link.hpp"
#include "tools/swarm/scenario.hpp"
#include "tools/swarm/swarm_report.hpp"
#include "tools/swarm/swarm_target.hpp"

namespace alter::swarm {

struct cluster_options {
  /// Where the coordinator listens (and workers connect).
  std::string address = "127.0.0.1";
  /// 0: any free port (printed once listening).
  uint16_t port = 0;
  cluster_link link = cluster_link::mutual_tls;
  /// The coordinator writes the cluster's certificates here
  /// (cluster_credentials.hpp); a worker reads its copy of DIR/worker/.
  std::string credentials_dir;
  /// The coordinator calls the run off when not all workers joined by then.
  std::chrono::seconds join_timeout{60};
  /// BASP heartbeats both ways; a link silent for `silence_timeout` is dropped,
  /// so a worker cut off without a FIN counts as lost too.
  std::chrono::seconds heartbeat_interval{1};
  std::chrono::seconds silence_timeout{15};
};

/// Issues the cluster's certificates (TLS), publishes the coordinator, calls
/// `listening(port)`, waits for `workers` workers, splits `target.agents` among
/// them and returns the merged report. The report is partial when a worker did
/// not join in time or was lost (then `error` says which and what was counted,
/// as does report.cluster); nullopt and `error` when the cluster cannot start.
/// While the workers drive, `progress` (nullptr: nowhere) gets the whole
/// cluster's live line from what each worker says of its share: redrawn in
/// place on a terminal (`progress_tty`), else a line every 5 s, and a last
/// line when every worker has ended.
std::optional<swarm_report> coordinate(const scenario& s, const swarm_target& target,
                                       std::size_t workers, const cluster_options& opts,
                                       const std::function<void(uint16_t)>& listening,
                                       std::string& error,
                                       std::ostream* progress = nullptr,
                                       bool progress_tty = false);

/// Joins the coordinator at `host:port` (opts.link, opts.credentials_dir),
/// drives its share and reports back. Returns false and sets `error` when it
/// cannot.
bool work(const std::string& host, uint16_t port, const cluster_options& opts,
          std::string& error);

} // namespace alter::swarm
