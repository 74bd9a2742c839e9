// Why a rule's JSON is refused, as precise as the parser can say it: which
// field, and what is wrong with it. Shared by the parsers of stored rules and of
// the client's constraint rule.
#pragma once

#include <string>
#include <string_view>

namespace alter {

struct rule_problem {
  /// A path into the rule's JSON: "cidrs[2]", "when.method", "max_calls".
  std::string field;
  /// What is wrong, e.g. "must be an integer of at least 1".
  std::string reason;

  /// "field: reason".
  std::string to_string() const;
};

/// `text` quoted for a message: at most 64 characters, control characters and
/// non-ASCII bytes as '?', so that hostile bytes cannot shape a log line.
std::string quoted(std::string_view text);

} // namespace alter
