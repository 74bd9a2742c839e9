// The "when" grammar shared by stored json_match / require_approval rules and the
// client's constraint rule: {attribute: value | [values], ...}. One parser and
// one matcher for both.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alter/auth/rule_problem.hpp"

namespace boost::json {
class value;
} // namespace boost::json

namespace alter {

/// One condition of a rule: the call's `attribute` must equal one of `values`.
struct rule_condition {
  std::string attribute;
  std::vector<std::string> values;
};

bool operator==(const rule_condition& a, const rule_condition& b) noexcept;

/// The attributes a rule may test (decisions.md section 8).
const std::vector<std::string_view>& rule_attributes();

bool is_rule_attribute(std::string_view name);

/// Reads `when` (an object of known attributes to a string or a non-empty list
/// of strings) into `out`; on failure, the problem names the field under
/// `where` ("when.method"). Bounds on counts and lengths are the caller's.
std::optional<rule_problem> parse_conditions(const boost::json::value& when,
                                             std::string_view where,
                                             std::vector<rule_condition>& out);

/// The facts of one call that rules test; an attribute the call does not have (a
/// token retrieval has no method) counts as satisfied.
using call_attributes = std::vector<std::pair<std::string, std::string>>;

/// True when every condition holds for `call` (no conditions: every call).
bool rule_matches(const std::vector<rule_condition>& when, const call_attributes& call);

} // namespace alter
