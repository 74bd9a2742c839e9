// Attenuation (`with_constraints`): a scope set and a one-off rule that a client
// attaches to every request in the x-alter-constraints header, base64url of
// {"scopes": [...], "rule": {...}}. The signature covers the header, so a holder of
// the constrained client cannot strip it; the backend only ever narrows with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace alter {

/// One condition of a rule: the call's `attribute` must equal one of `values`.
struct rule_condition {
  std::string attribute;
  std::vector<std::string> values;
};

/// {"type": "json_match" | "require_approval", "when": {attribute: value | [values]}}.
/// A rule matches a call when every condition holds; json_match then denies,
/// require_approval holds the call for a human.
struct constraint_rule {
  std::string type;
  std::vector<rule_condition> when;
};

struct constraints {
  /// Empty: the key's own scopes.
  std::vector<std::string> scopes;
  std::optional<constraint_rule> rule;
};

namespace rule_types {
constexpr std::string_view json_match = "json_match";
constexpr std::string_view require_approval = "require_approval";
} // namespace rule_types

/// The attributes a rule may test (decisions.md section 8).
const std::vector<std::string_view>& rule_attributes();

/// Checks scopes and rule; an error names what is wrong (invalid_argument).
caf::expected<void> validate(const constraints& c);

/// The header value. `c` must be valid.
std::string encode_constraints_header(const constraints& c);

/// Decodes and validates a header value; errors are invalid_constraints.
caf::expected<constraints> decode_constraints_header(std::string_view text);

/// The facts of one call that rules test; an attribute the call does not have (a
/// token retrieval has no method) counts as satisfied.
using call_attributes = std::vector<std::pair<std::string, std::string>>;

/// True when every condition of `r` holds for `call`.
bool rule_matches(const constraint_rule& r, const call_attributes& call);

} // namespace alter
