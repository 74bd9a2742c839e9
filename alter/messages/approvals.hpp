// The state of a call held for human approval (get_approval_status), as the
// backend reports it. The provider's response is not part of it: that is the
// proxy_result of await_approval.
#pragma once

#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace alter {

namespace approval_states {
constexpr const char* pending = "pending";
constexpr const char* approved = "approved";
constexpr const char* executing = "executing";
constexpr const char* executed = "executed";
constexpr const char* failed = "failed";
constexpr const char* denied = "denied";
constexpr const char* expired = "expired";
} // namespace approval_states

/// One gate of a held call: a rule that holds it, decided by its approvers on
/// its page. The call runs once every gate approved; one denial denies it.
struct approval_gate {
  /// The page where the gate's approvers decide (`.../approvals/{id}#gate-N`).
  std::string approval_url;
  /// Who may decide, by name; empty: any approver of the app.
  std::vector<std::string> approvers;
  /// pending, approved or denied.
  std::string status;
  /// The stored rule that holds the call; empty for the client's constraint
  /// rule.
  std::string rule_id;
};

struct approval_status {
  std::string approval_id;
  /// pending, approved, executing, executed, failed, denied or expired.
  std::string status;
  std::string expires_at;
  std::string decided_at;
  std::string decision_reason;
  std::string executed_at;
  bool has_result = false;
  /// One per rule that holds the call.
  std::vector<approval_gate> gates{};

  /// executed, failed, denied or expired: nothing will change any more.
  bool terminal() const noexcept;
};

/// How await_approval waits (seconds, as in the SDK reference).
struct approval_wait {
  double timeout = 300.0;
  /// This SDK long-polls: each status request is held by the backend up to
  /// 30 s and answered as soon as the state changes. poll_interval is the
  /// least gap between two polls when an answer comes early with nothing new
  /// (a server or proxy that does not hold requests).
  double poll_interval = 2.0;
};

bool operator==(const approval_gate& a, const approval_gate& b) noexcept;
bool operator==(const approval_status& a, const approval_status& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approval_gate& x) {
  return f(caf::meta::type_name("approval_gate"), x.approval_url, x.approvers, x.status,
           x.rule_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approval_wait& x) {
  return f(caf::meta::type_name("approval_wait"), x.timeout, x.poll_interval);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approval_status& x) {
  return f(caf::meta::type_name("approval_status"), x.approval_id, x.status,
           x.expires_at, x.decided_at, x.decision_reason, x.executed_at, x.has_result,
           x.gates);
}

} // namespace alter
