// Attenuation (`with_constraints`): a scope set and a one-off rule that a client
// attaches to every request in the x-alter-constraints header, base64url of
// {"scopes": [...], "rule": {...}}. The signature covers the header, so a holder of
// the constrained client cannot strip it; the backend only ever narrows with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

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

bool operator==(const rule_condition& a, const rule_condition& b) noexcept;
bool operator==(const constraint_rule& a, const constraint_rule& b) noexcept;
bool operator==(const constraints& a, const constraints& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rule_condition& x) {
  return f(caf::meta::type_name("rule_condition"), x.attribute, x.values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, constraint_rule& x) {
  return f(caf::meta::type_name("constraint_rule"), x.type, x.when);
}

/// CAF 0.17 has no std::optional support: the rule travels as a flag and a value.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, constraints& x) {
  bool has_rule = x.rule.has_value();
  auto rule = has_rule ? *x.rule : constraint_rule{};
  auto store_back = [&] {
    if (has_rule)
      x.rule = std::move(rule);
    else
      x.rule.reset();
  };
  if constexpr (std::is_void_v<typename Inspector::result_type>) {
    f(caf::meta::type_name("constraints"), x.scopes, has_rule, rule);
    store_back();
  } else {
    auto result = f(caf::meta::type_name("constraints"), x.scopes, has_rule, rule);
    store_back();
    return result;
  }
}

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
