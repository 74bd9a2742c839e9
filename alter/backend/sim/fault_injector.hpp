// Fault injection for the backend's own servers, so resilience is tested against
// real failures on real sockets: added latency, error statuses (429 with
// Retry-After, 500, 502, 503, 504), connections reset before or after the
// response, slow or truncated bodies, and full outages. Rules apply per path
// prefix and can change at run time; every method is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace alter::backend {

enum class fault_kind {
  none,
  /// Wait `delay`, then serve normally.
  latency,
  /// Answer `status` without running the route (429 carries Retry-After).
  status,
  /// Close the connection without an answer; the route never runs.
  reset_before,
  /// Run the route, then close the connection instead of answering.
  reset_after,
  /// Run the route, send the headers and half the body, then close.
  truncate_body,
  /// Run the route, send the headers, wait `delay`, then send the body.
  slow_body,
};

std::string_view to_string(fault_kind k) noexcept;

struct fault_rule {
  /// Requests whose path starts with this ("" for all).
  std::string path_prefix;
  fault_kind kind = fault_kind::none;
  /// Chance per request, 0..1. Rules matching one path share one draw, so their
  /// probabilities add up.
  double probability = 1.0;
  int status = 503;
  int retry_after_seconds = 1;
  std::chrono::milliseconds delay{0};
  /// At most this many injections; -1 for no limit.
  int64_t limit = -1;
};

struct fault_decision {
  fault_kind kind = fault_kind::none;
  int status = 0;
  int retry_after_seconds = 0;
  std::chrono::milliseconds delay{0};
};

class fault_injector {
public:
  /// `seed` 0 seeds from the operating system.
  explicit fault_injector(uint64_t seed = 0);

  void set_rules(std::vector<fault_rule> rules);
  void add_rule(fault_rule rule);
  void clear();

  /// Every request is reset (or answered 503) until `duration` has passed.
  void start_outage(std::chrono::milliseconds duration, bool reset = true);
  void end_outage();

  /// What to do with the next request to `path`.
  fault_decision decide(std::string_view path);

  /// Injections so far, by kind.
  std::map<fault_kind, int64_t> counts() const;

  /// Rules from JSON: {"seed": 7, "rules": [{"path": "/v1/", "kind": "status",
  /// "probability": 0.05, "status": 503, "retry_after": 1, "delay_ms": 0,
  /// "limit": -1}]}. Throws std::invalid_argument naming what is wrong.
  static std::vector<fault_rule> parse_rules(std::string_view json);

private:
  mutable std::mutex mtx_;
  std::vector<fault_rule> rules_;
  std::mt19937_64 rng_;
  std::chrono::steady_clock::time_point outage_until_{};
  bool outage_resets_ = true;
  std::map<fault_kind, int64_t> counts_;
};

} // namespace alter::backend
