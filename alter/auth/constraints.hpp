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

#include "alter/auth/approval_routing.hpp"
#include "alter/auth/rule_conditions.hpp"
#include "alter/auth/rule_type.hpp"

namespace alter {

/// {"type": "json_match" | "require_approval", "when": {attribute: value | [values]},
///  "approval": {"approvers": [...], "channels": [...]}}.
/// A rule matches a call when every condition holds; json_match then denies,
/// require_approval holds the call for a human (one of `approval.approvers`).
struct constraint_rule {
  constraint_rule() = default;
  /// `constraint_rule{"json_match", {{"method", {"DELETE"}}}}`, as written
  /// before rules named their approvers.
  constraint_rule(std::string type, std::vector<rule_condition> when,
                  approval_routing approval = {})
      : type(std::move(type)), when(std::move(when)), approval(std::move(approval)) {
  }

  /// to_string(rule_type::json_match) or to_string(rule_type::require_approval);
  /// text, because it is what SDK users write and what travels.
  std::string type;
  std::vector<rule_condition> when;
  /// Who decides and how they hear of it; require_approval rules only.
  approval_routing approval;
};

struct constraints {
  /// Empty: the key's own scopes.
  std::vector<std::string> scopes;
  std::optional<constraint_rule> rule;
};

bool operator==(const constraint_rule& a, const constraint_rule& b) noexcept;
bool operator==(const constraints& a, const constraints& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rule_condition& x) {
  return f(caf::meta::type_name("rule_condition"), x.attribute, x.values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, constraint_rule& x) {
  return f(caf::meta::type_name("constraint_rule"), x.type, x.when, x.approval);
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

/// Checks scopes and rule; an error names what is wrong (invalid_argument).
caf::expected<void> validate(const constraints& c);

/// A rule in the documented form, as the Python SDK takes it:
///   {"rule_type": "json_match", "rule_body": {"when": {...}, "effect": "deny"}}
///   {"rule_type": "require_approval", "rule_body": {"effect": "require_approval",
///      "when": {...}, "approval": {"approvers": [...], "channels": ["email"]}}}
/// (`when` is optional for require_approval: it then holds every credential
/// call). Errors are invalid_argument (AlterValueError) naming the field.
caf::expected<constraint_rule> parse_constraint_rule(std::string_view text);

/// The header value. `c` must be valid.
std::string encode_constraints_header(const constraints& c);

/// Decodes and validates a header value; errors are invalid_constraints.
caf::expected<constraints> decode_constraints_header(std::string_view text);

/// The type of a valid constraint rule (json_match or require_approval).
rule_type type_of(const constraint_rule& r);

} // namespace alter
