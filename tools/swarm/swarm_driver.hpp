// Drives a swarm of agent client actors: a window of calls in flight, spread over
// the agents round-robin, a mix of retrieve-mode and proxy-mode calls, for a
// number of calls or a length of time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/client_actors.hpp"
#include "net/transport.hpp"
#include "tools/swarm/swarm_report.hpp"

namespace alter::swarm {

struct swarm_agent {
  agent_actor client;
  /// One grant per provider, aligned with swarm_plan::provider_urls.
  std::vector<std::string> grant_ids;
};

enum class call_mix { alternate, retrieve_only, proxy_only };

struct swarm_plan {
  std::vector<swarm_agent> agents;
  /// The base URL of each provider the agents hold grants for.
  std::vector<std::string> provider_urls;
  std::size_t calls_per_agent = 5;
  /// When positive: keep issuing calls until this much time has passed instead.
  std::chrono::milliseconds duration{0};
  /// Calls in flight at once, across all agents.
  std::size_t concurrency = 64;
  call_mix mix = call_mix::alternate;
  /// Every call gets its own path: "<provider>/<path_tag>/<call number>".
  std::string path_tag = "swarm";
  /// When set, the driver keeps its window within the credit of the backend's
  /// pool (asked every `credit_interval`) instead of sending into refusals.
  net::transport_actor transport;
  net::endpoint backend;
  std::chrono::milliseconds credit_interval{20};
};

/// Runs the plan to completion and returns what it measured.
swarm_report run_swarm(caf::actor_system& sys, swarm_plan plan);

} // namespace alter::swarm
