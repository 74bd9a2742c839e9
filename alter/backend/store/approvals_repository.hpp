// Held calls, the approvers who decide them and the approvers' page sessions.
// Transitions are conditional updates: of two racing decisions, or a decision
// racing expiry, exactly one wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

class approvals_repository {
public:
  virtual ~approvals_repository() = default;

  virtual void insert(const approval_record& x) = 0;
  virtual std::optional<approval_record> find(std::string_view id) = 0;
  /// The app's calls still waiting for a decision at `now`, oldest first, at
  /// most `limit` (the approval page's list).
  virtual std::vector<approval_record>
  pending_of_app(std::string_view app_id, std::string_view now, std::size_t limit) = 0;
  /// pending -> approved | denied, only before `now` reaches expires_at; the
  /// gates stay as they are (an operator's decision of the whole call).
  virtual bool decide(std::string_view id, approval_state decision,
                      std::string_view decided_by, std::string_view reason,
                      std::string_view now)
      = 0;
  /// One gate's decision, a compare-and-swap on the gates: they become
  /// `gates` and the status becomes `status` (pending: no change; approved or
  /// denied: with who, why and when), only while the approval is pending,
  /// before `now` reaches expires_at, and its gates are still `expected_gates`.
  /// Of two racing decisions one wins; the other reads again.
  virtual bool decide_gate(std::string_view id, std::string_view expected_gates,
                           std::string_view gates, approval_state status,
                           std::string_view decided_by, std::string_view reason,
                           std::string_view now)
      = 0;
  /// pending -> expired, only once `now` reached expires_at.
  virtual bool expire(std::string_view id, std::string_view now) = 0;
  /// approved -> executing.
  virtual bool start_execution(std::string_view id) = 0;
  /// approved | executing -> failed for every approval decided before
  /// `decided_before` (every one when empty) that a previous process left
  /// mid-way (its outcome is unknown; it is never run again). Returns how many.
  virtual int64_t fail_interrupted(std::string_view result_json, std::string_view now,
                                   std::string_view decided_before)
      = 0;
  /// executing -> executed | failed, with the result (or error envelope).
  virtual void finish(std::string_view id, approval_state status, int64_t result_status,
                      std::string_view result_json, std::string_view executed_at)
      = 0;

  virtual void insert_approver(const approver_record& x) = 0;
  /// The approvers of `app_id`, oldest first, at most `limit`.
  virtual std::vector<approver_record> approvers_of(std::string_view app_id,
                                                    std::size_t limit)
      = 0;
  virtual std::optional<approver_record>
  find_approver_by_token_hash(std::string_view hash) = 0;
  virtual void
  insert_approver_session(std::string_view session_hash, std::string_view approver_id,
                          std::string_view csrf, std::string_view expires_at)
      = 0;
  virtual std::optional<approver_session>
  find_approver_session(std::string_view session_hash, std::string_view now) = 0;
  /// Ends a session (sign-out); false when there was none.
  virtual bool delete_approver_session(std::string_view session_hash) = 0;
};

} // namespace alter::backend
