// What a swarm runs against: the backend, the agents' keys and grants, the
// approver's token. Made by the embedded set-up (or a coordinator) and handed
// to whoever drives the agents, possibly another process (so it is inspectable).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/meta/type_name.hpp"

#include "tools/swarm/scenario.hpp"
#include "tools/swarm/swarm_driver.hpp"
#include "tools/swarm/swarm_report.hpp"

namespace alter::backend {
class local_backend;
} // namespace alter::backend

namespace alter::swarm {

struct agent_credentials {
  std::string api_key;
  /// Aligned with swarm_target::provider_urls.
  std::vector<std::string> grant_ids;
};

struct swarm_target {
  std::string base_url;
  /// The backend's certificate (trusted by the agents); empty for plain HTTP.
  std::string ca_pem;
  std::string approver_token;
  std::vector<std::string> provider_urls;
  /// Index of the provider with the swarm's rules (see swarm_plan).
  uint64_t governed_provider = static_cast<uint64_t>(-1);
  std::vector<agent_credentials> agents;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_credentials& x) {
  return f(caf::meta::type_name("agent_credentials"), x.api_key, x.grant_ids);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, swarm_target& x) {
  return f(caf::meta::type_name("swarm_target"), x.base_url, x.ca_pem, x.approver_token,
           x.provider_urls, x.governed_provider, x.agents);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_mix_weights& x) {
  return f(caf::meta::type_name("call_mix_weights"), x.retrieve, x.proxy, x.denied,
           x.approval, x.constrained, x.traced);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scenario& x) {
  return f(caf::meta::type_name("scenario"), x.name, x.agents, x.calls_per_agent,
           x.duration_seconds, x.concurrency, x.per_agent_window, x.mix,
           x.approver_delay_ms, x.approver_deny_ratio, x.fault_profile, x.seed, x.tls,
           x.providers, x.oauth_token_ttl_seconds, x.oauth_refresh_buffer_seconds,
           x.oauth_start_expired);
}

/// Starts the embedded backend for `s` (TLS, fault profile), bootstraps its app,
/// agents, grants, rules and approver, and describes it.
std::unique_ptr<backend::local_backend> start_embedded(const scenario& s,
                                                       swarm_target& target);

/// What the embedded backend saw of the run's OAuth grants (refreshes at the
/// simulated authorization server, waits, tokens that reached a provider
/// expired), into `report.oauth`.
void add_oauth_figures(backend::local_backend& be, const scenario& s,
                       swarm_report& report);

/// Drives `target.agents` (all, or a worker's share) through the SDK as the
/// scenario says; `progress` gets the live line (nullptr: none), and
/// `on_progress` (when set) where the run stands at every step.
swarm_report drive(caf::actor_system& sys, const scenario& s,
                   const swarm_target& target, std::ostream* progress,
                   bool progress_tty,
                   std::function<void(const progress_snapshot&)> on_progress = {});

} // namespace alter::swarm
