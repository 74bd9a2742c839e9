// The policy evaluator: after the default-deny base (valid key, right scope, a
// grant the caller may use), every enabled rule attached to the call's app,
// agent, grant or provider, plus the client's one-off constraint rule, runs
// against the facts of the call. Rules only narrow: each can deny or hold the
// call for approval, none can allow what the base refused. It reads rules
// parsed beforehand (rule_book.hpp), never their JSON; a rule whose body did
// not parse denies (fail closed).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alter/auth/approval_routing.hpp"
#include "alter/auth/constraints.hpp"
#include "alter/messages/alter_error.hpp"

namespace alter::backend {

class rule_parse;
class rate_limits_repository;

/// A stored rule ready to evaluate.
struct loaded_rule {
  std::string id;
  std::string name;
  /// Its parsed body, or why the stored body does not parse (then it denies).
  std::shared_ptr<const rule_parse> parse;
};

/// What the rules see of one credential-using call.
struct policy_facts {
  /// method (proxy only), provider_id, app_id, agent_id, api_key_id,
  /// environment, client_ip, resource_kind.
  call_attributes attributes;
  /// The proxied request's body; nullopt for a token retrieval.
  std::optional<std::string> body;
  /// Unix seconds.
  int64_t now = 0;
};

enum class policy_effect { allow, deny, require_approval };

/// A rule that holds the call: one gate of its approval, which every gate
/// must pass.
struct approval_hold {
  /// Empty for the client's constraint rule.
  std::string rule_id;
  std::string rule_name;
  approval_routing approval;
};

struct policy_decision {
  policy_effect effect = policy_effect::allow;
  /// The refusal, for deny (PolicyViolationError with details.policy_error).
  std::optional<alter_error> refusal;
  /// The rule that decided (empty for the client's constraint rule); for a
  /// hold, the first of `holds`.
  std::string rule_id;
  /// For require_approval: every rule that holds the call, oldest first, the
  /// client's constraint rule last.
  std::vector<approval_hold> holds;
};

/// Runs `rules` and the client's `constraint` against `facts`. Denials win over
/// approvals; approvals over allow; every holding rule is a gate. The rate limits count
/// in `rates` (the store's, shared by every instance on the database), and only when
/// the call has rate-limit rules and every other rule let it through.
policy_decision evaluate_policy(const std::vector<loaded_rule>& rules,
                                const std::optional<constraint_rule>& constraint,
                                const policy_facts& facts,
                                rate_limits_repository& rates);

} // namespace alter::backend
