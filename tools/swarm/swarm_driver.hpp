// Drives a swarm of agent client actors: a mix of call types spread over the
// agents, within a global window (never more in flight than the backend's pool
// has credit for) and a per-agent window, for a number of calls per agent or a
// length of time, with a live progress line.
#pragma once

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "alter/actors/client_actors.hpp"
#include "alter/net/retry_budget.hpp"
#include "alter/net/transport.hpp"
#include "tools/swarm/approver.hpp"
#include "tools/swarm/scenario.hpp"
#include "tools/swarm/swarm_report.hpp"

namespace alter::swarm {

struct swarm_agent {
  agent_actor client;
  /// One grant per provider, aligned with swarm_plan::provider_urls.
  std::vector<std::string> grant_ids;
};

/// Where a run stands, as its live line shows it; a worker sends it to its
/// coordinator, which shows the whole cluster's.
struct progress_snapshot {
  uint64_t calls = 0;
  uint64_t failed = 0;
  uint64_t expected_refusals = 0;
  uint64_t in_flight = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress_snapshot& x) {
  return f(caf::meta::type_name("progress_snapshot"), x.calls, x.failed,
           x.expected_refusals, x.in_flight);
}

struct swarm_plan {
  std::string scenario = "default";
  std::vector<swarm_agent> agents;
  /// The base URL of each provider the agents hold grants for.
  std::vector<std::string> provider_urls;
  /// The provider (index into provider_urls) whose rules deny DELETE and hold
  /// PUT for approval: denied and approval calls go there, the others never
  /// do (a rule's method condition also matches token retrievals, which carry
  /// no method). npos: no such provider, no denied or approval calls.
  std::size_t governed_provider = static_cast<std::size_t>(-1);
  std::size_t calls_per_agent = 5;
  /// When positive: keep issuing calls until this much time has passed instead.
  std::chrono::milliseconds duration{0};
  /// Calls in flight at once, across all agents and per agent.
  std::size_t concurrency = 64;
  std::size_t per_agent_window = 1;
  /// Which call types, how often. Denied and approval calls need the swarm's
  /// rules (DELETE denied, PUT held) in the backend; approval calls need an
  /// approver.
  call_mix_weights mix{1, 1, 0, 0, 0, 0};
  uint64_t seed = 1;
  approver_actor approver;
  /// How long an agent waits for a held call's outcome.
  double approval_timeout_seconds = 60;
  /// Every call gets its own path: "<provider>/<path_tag>/<call number>".
  std::string path_tag = "swarm";
  /// When set, the driver keeps its window within the credit of the backend's
  /// pool (asked every `credit_interval`) instead of sending into refusals.
  net::transport_actor transport;
  net::endpoint backend;
  std::chrono::milliseconds credit_interval{20};
  /// The backend origin's shared retry budget, sampled for the report.
  std::shared_ptr<net::retry_budget> budget;
  /// Where the live progress goes (nullptr: nowhere); `progress_tty` redraws
  /// one line, otherwise a plain line every few seconds.
  std::ostream* progress = nullptr;
  bool progress_tty = false;
  /// Called on the driver's thread at every progress step (four a second) and
  /// once at the end; unset: not at all.
  std::function<void(const progress_snapshot&)> on_progress;
};

/// Runs the plan to completion and returns what it measured.
swarm_report run_swarm(caf::actor_system& sys, swarm_plan plan);

} // namespace alter::swarm
