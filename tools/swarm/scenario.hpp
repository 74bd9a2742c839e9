// A swarm scenario: who calls, how much, in which mix, under which faults. Read
// from a small JSON file (every member optional; unknown members are refused so
// a typo never silently runs another scenario) and overridden by flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace alter::swarm {

/// Relative weights of the call types; zero turns a type off. In a scenario
/// file (or --mix) the types not named get zero.
struct call_mix_weights {
  /// request(): retrieve mode.
  unsigned retrieve = 4;
  /// proxy_request(): proxy mode.
  unsigned proxy = 4;
  /// A proxied DELETE that a stored json_match rule denies (PolicyViolationError).
  unsigned denied = 1;
  /// A proxied PUT that a require_approval rule holds; the simulated approver
  /// decides it and the agent awaits the outcome.
  unsigned approval = 1;
  /// request() through a with_constraints sub-client (scopes tokens:retrieve).
  unsigned constrained = 1;
  /// request() inside a trace scope (run and tool call ids).
  unsigned traced = 1;

  unsigned total() const noexcept {
    return retrieve + proxy + denied + approval + constrained + traced;
  }
};

struct scenario {
  std::string name = "default";
  uint64_t agents = 1000;
  uint64_t calls_per_agent = 4;
  /// When positive, run for this long instead of a number of calls.
  double duration_seconds = 0;
  /// Calls in flight at once across the swarm (the driver also stays within the
  /// pool's credit).
  uint64_t concurrency = 128;
  /// Calls in flight at once per agent.
  uint64_t per_agent_window = 1;
  call_mix_weights mix;
  /// How long the simulated approver takes, and how often it says no.
  double approver_delay_ms = 20;
  double approver_deny_ratio = 0.25;
  /// none, light (2% of backend answers fail in ways the SDK retries) or heavy (10%).
  std::string fault_profile = "none";
  uint64_t seed = 1;
  bool tls = true;
  /// Simulated providers each agent holds a grant for. An OAuth provider
  /// (sim-oauth) has one grant shared by every agent.
  std::vector<std::string> providers = {"sim-bearer", "sim-apikey", "sim-oauth"};
  /// OAuth grants: the lifetime of the access tokens the simulated provider
  /// issues and the backend's refresh buffer (a token is refreshed when it
  /// expires within the buffer), short so that refreshes happen during a run.
  uint64_t oauth_token_ttl_seconds = 2;
  uint64_t oauth_refresh_buffer_seconds = 1;
  /// The first tokens expire just before the run starts: every agent's first
  /// call meets an expired token at once (the refresh stampede).
  bool oauth_start_expired = false;
};

/// The scenario in `json_text`, over the defaults; nullopt and `error` set for
/// malformed JSON, unknown members, wrong types or values out of range.
std::optional<scenario> parse_scenario(const std::string& json_text,
                                       std::string& error);

/// Why the scenario cannot run, or "" when it can.
std::string scenario_problem(const scenario& s);

} // namespace alter::swarm
