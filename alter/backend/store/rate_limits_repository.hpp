// The calls counted by rate-limit rules, in the database so that every
// instance sharing it counts against the same limits. A sliding window: a
// limit admits a call when fewer than max_calls calls were counted for its key
// within the window before now.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace alter::backend {

/// One limit a call must pass. Windows are at most max_rate_window long.
struct rate_limit {
  /// What is counted: the rule and its subject ("rule id/agent id").
  std::string key;
  int64_t max_calls = 0;
  std::chrono::milliseconds window{0};
};

/// The longest window a limit may have (rule_parser allows up to one day).
constexpr std::chrono::milliseconds max_rate_window{24 * 60 * 60 * 1000};

struct rate_verdict {
  bool admitted = true;
  /// When refused: the index of the first limit that refused, and when a slot
  /// of it frees (its oldest counted call leaves the window).
  std::size_t refused = 0;
  std::chrono::milliseconds retry_after{0};
};

class rate_limits_repository {
public:
  virtual ~rate_limits_repository() = default;

  /// Counts one call at `now` against every limit in `limits` when all of them
  /// admit it, and against none when one refuses (a call one limit refuses uses
  /// up no other limit's quota). Atomic: concurrent calls, on this instance or
  /// another, never both take the last slot. `limits` is not empty.
  virtual rate_verdict admit(const std::vector<rate_limit>& limits,
                             std::chrono::system_clock::time_point now)
      = 0;
};

} // namespace alter::backend
