// The gates of a held call: one per rule that holds it, each decided by its
// own approvers (the rule's `approval.approvers`, or any approver of the app).
// The call runs once every gate approved; one denial denies it. Stored as
// JSON with the approval (approval_record::gates_json) and read back as
// hostile bytes: gates that do not read can be decided by nobody, and the call
// expires (fail closed).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "alter/auth/approval_routing.hpp"
#include "alter/backend/store/records.hpp"

namespace alter::backend {

struct approval_hold;

struct gate_record {
  /// Empty for the client's constraint rule.
  std::string rule_id;
  std::string rule_name;
  approval_routing approval;
  /// pending, approved or denied.
  approval_state status = approval_state::pending;
  std::string decided_by;
  std::string decided_at;
  std::string decision_reason;
};

/// More holding rules than this on one call are refused when stored (a rule
/// book holds far fewer per call).
constexpr std::size_t max_gates = 64;

/// One pending gate per holding rule.
std::vector<gate_record> gates_for(const std::vector<approval_hold>& holds);

std::string to_json(const std::vector<gate_record>& gates);

/// The gates of `a`: its stored ones, or for a call held before gates existed
/// its one gate (any approver, decided with the call); nullopt when the
/// stored gates do not read.
std::optional<std::vector<gate_record>> gates_of(const approval_record& a);

/// approved once every gate approved, denied once one denied, else pending.
approval_state outcome_of(const std::vector<gate_record>& gates);

} // namespace alter::backend
