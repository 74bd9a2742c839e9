// The kinds of policy rule. A stored rule may be any of them; the client's
// one-off constraint rule (with_constraints) only json_match or require_approval.
#pragma once

#include <string_view>

namespace alter {

enum class rule_type {
  /// Denies the calls its "when" conditions match.
  json_match,
  /// Holds the calls its "when" conditions match for a human.
  require_approval,
  /// Denies calls from client addresses outside its networks.
  ip_allowlist,
  /// Denies calls outside its days and hours.
  time_window,
  /// Denies calls above a count per sliding window.
  rate_limit,
  /// Checks one field of a proxied JSON body.
  parameter,
};

/// The wire name ("json_match", ...).
std::string_view to_string(rule_type t) noexcept;

/// False (and `out` untouched) for a name that is no rule type.
bool from_string(std::string_view text, rule_type& out) noexcept;

} // namespace alter
