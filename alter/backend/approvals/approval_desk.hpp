// Held calls and their human decisions (decisions.md section 7):
//   pending -> approved -> executing -> executed | failed
//   pending -> denied
//   pending -> expired
// A call held by several rules has a gate per rule (approval_gates.hpp), each
// decided by its own approvers: it is approved once every gate is, denied as
// soon as one is. Every transition is a conditional update in the store (a
// gate's decision a compare-and-swap of the gates), so two deciders, or a
// decision and the expiry, can never both win. Approvers hear of a held call
// on their gate's channels (mail_outbox.hpp). An approved call executes once,
// here, with the credential fetched at execution time; clients wait with a
// bounded long-poll that wakes on every transition: each one is published on
// the store's change feed (change_feed.hpp), so a decision taken on one
// instance wakes the waiters of every instance sharing the database. A waiter
// trusts only the store: it re-reads the approval when woken and at the end
// of its wait, so a lost notification delays its answer to the end of the
// wait, never makes it wrong.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alter/backend/approvals/approval_gates.hpp"
#include "alter/backend/store/change_feed.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/backend/store/repositories.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/approvals.hpp"

namespace alter::net {
class io_runtime;
} // namespace alter::net

namespace alter::backend {

struct backend_context;
class mail_outbox;
class request_executor;

class approval_desk {
public:
  /// Long-poll timers run on `io`; what they do next (read the store,
  /// answer) on a worker of `workers`, as do the wake-ups of notify().
  /// Email notifications go to `outbox` (none without one).
  approval_desk(backend_context& ctx, net::io_runtime& io, request_executor& workers,
                std::string public_base_url, std::chrono::seconds ttl,
                const mail_outbox* outbox = nullptr);
  ~approval_desk();

  approval_desk(const approval_desk&) = delete;
  approval_desk& operator=(const approval_desk&) = delete;

  /// Stores `x` as pending with its expiry and its `gates` (at least one),
  /// together with `row` (its audit row, which gets the approval id); returns
  /// it as stored, or audit_write_failed when nothing could be stored. `also`
  /// runs in the same transaction (the answer stored under the call's
  /// Idempotency-Key). Then tells the gates' approvers on their channels.
  caf::expected<approval_record>
  hold(approval_record x, const std::vector<gate_record>& gates, audit_record row,
       const std::function<void(repositories&, const approval_record&)>& also = {});

  /// `{base_url}/approvals/{id}`.
  std::string url_of(const std::string& id) const;

  /// The page of one gate: `{base_url}/approvals/{id}#gate-{n}`, n from 1.
  std::string url_of(const std::string& id, std::size_t gate) const;

  /// The gates of `id` as clients see them: each one's page, approvers and
  /// status.
  std::vector<approval_gate> gate_views(const std::string& id,
                                        const std::vector<gate_record>& gates) const;

  /// The approval as it stands, expired first when its time is up.
  std::optional<approval_record> current(const std::string& id);

  /// Calls `done` once the approval is terminal or has moved on from the state
  /// it had, or after `wait` (whichever comes first), with its state then.
  /// Returns at once: no thread waits; `done` runs on a worker.
  void wait(const std::string& id, std::chrono::milliseconds wait,
            std::function<void(approval_record)> done);

  /// An approver's decision on gate `gate` (index from 0; nullopt: the one
  /// gate `who` may decide). The last approval starts the execution; the
  /// result shows in the record once it finished. Errors: approval_not_found;
  /// not_found for a gate the call does not have; policy_denied when `who`
  /// is not an approver of the gate; invalid_request
  /// when it or the call is no longer pending, or no gate is named where `who`
  /// may decide several.
  caf::expected<approval_record> decide(const std::string& id,
                                        std::optional<std::size_t> gate, bool approve,
                                        const approver_session& who,
                                        const std::string& reason);

  static bool is_terminal(approval_state status) noexcept;

private:
  struct waiter;

  void execute(const approval_record& approval);
  /// Mails each gate's approvers (email channel, when there is an outbox).
  void notify(const approval_record& held, const std::vector<gate_record>& gates);
  /// Tells every instance that `id` moved on.
  void publish(const std::string& id);
  /// Answers this process's waiters on `id` whose state it has moved on from.
  void wake(const std::string& id);

  backend_context& ctx_;
  net::io_runtime& io_;
  request_executor& workers_;
  std::string base_url_;
  std::chrono::seconds ttl_;
  const mail_outbox* outbox_;
  std::mutex mtx_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<waiter>>> waiters_;
  /// Last: ends first, so no wake-up runs while the desk goes away.
  change_subscription changes_;
};

} // namespace alter::backend
