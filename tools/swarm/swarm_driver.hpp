// Drives a swarm of agent client actors: a window of calls in flight, spread over
// the agents round-robin, alternating retrieve-mode and proxy-mode calls.
#pragma once

#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/client_actors.hpp"
#include "tools/swarm/swarm_report.hpp"

namespace alter::swarm {

struct swarm_agent {
  agent_actor client;
  /// One grant per provider, aligned with swarm_plan::provider_urls.
  std::vector<std::string> grant_ids;
};

struct swarm_plan {
  std::vector<swarm_agent> agents;
  /// The base URL of each provider the agents hold grants for.
  std::vector<std::string> provider_urls;
  std::size_t calls_per_agent = 5;
  /// Calls in flight at once, across all agents.
  std::size_t concurrency = 64;
};

/// Runs the plan to completion and returns what it measured.
swarm_report run_swarm(caf::actor_system& sys, swarm_plan plan);

} // namespace alter::swarm
