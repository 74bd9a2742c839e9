// A swarm over several processes or machines, on CAF's own network layer
// (caf::io; caf::openssl when asked). The coordinator owns the backend and the
// scenario; each worker joins it, receives its share of the agents, drives them
// and sends back its report; the coordinator merges the reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "tools/swarm/scenario.hpp"
#include "tools/swarm/swarm_report.hpp"
#include "tools/swarm/swarm_target.hpp"

namespace alter::swarm {

struct cluster_options {
  /// Where the coordinator listens (and workers connect).
  std::string address = "127.0.0.1";
  /// 0: any free port (printed once listening).
  uint16_t port = 0;
  /// BASP over TLS (caf::openssl, anonymous key exchange: encrypted, not
  /// authenticated) instead of plain TCP.
  bool tls = false;
  std::chrono::seconds join_timeout{60};
};

/// Publishes the coordinator, calls `listening(port)`, waits for `workers`
/// workers, splits `target.agents` among them and returns the merged report;
/// nullopt and `error` when workers do not join in time or the cluster fails.
std::optional<swarm_report> coordinate(const scenario& s, const swarm_target& target,
                                       std::size_t workers, const cluster_options& opts,
                                       const std::function<void(uint16_t)>& listening,
                                       std::string& error);

/// Joins the coordinator at `host:port`, drives its share and reports back.
/// Returns false and sets `error` when it cannot.
bool work(const std::string& host, uint16_t port, bool tls, std::string& error);

} // namespace alter::swarm
