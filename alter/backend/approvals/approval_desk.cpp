#include "alter/backend/approvals/approval_desk.hpp"

#include <stdexcept>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/access/liveness.hpp"
#include "alter/backend/api/request_executor.hpp"
#include "alter/backend/approvals/mail_outbox.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/proxy/proxy_execution.hpp"
#include "alter/backend/routes/routes.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/net/io_runtime.hpp"

namespace alter::backend {

struct approval_desk::waiter {
  approval_state status = approval_state::pending;
  /// The approval as the wait found it: the answer at the deadline when the
  /// store cannot be read then.
  approval_record known;
  std::function<void(approval_record)> done;
  /// Created on its own strand: cancel() comes from whichever I/O thread
  /// notifies, and Asio timers must not be touched from two threads at once
  /// (ThreadSanitizer caught that).
  std::unique_ptr<boost::asio::steady_timer> timer;
  bool fired = false;
};

namespace {

/// A row about `a`, before its outcome is known.
audit_record row_about(const approval_record& a, std::string action) {
  audit_record row;
  row.created_at = now_iso8601();
  row.request_id = "req_" + crypto::random_hex(8);
  row.action = std::move(action);
  row.app_id = a.app_id;
  row.agent_id = a.agent_id;
  row.api_key_id = a.api_key_id;
  row.caller = a.caller;
  row.caller_type = a.caller_type;
  row.grant_id = a.grant_id;
  row.provider_id = a.provider_id;
  row.method = a.method;
  row.url = a.url;
  row.reason = a.reason;
  row.run_id = a.run_id;
  row.thread_id = a.thread_id;
  row.tool_call_id = a.tool_call_id;
  row.traceparent = a.traceparent;
  row.approval_id = a.id;
  return row;
}

/// The gate `who` decides: the one named, or the only pending one `who` may
/// decide (the only one there is, for a call with one gate).
caf::expected<std::size_t> gate_to_decide(const std::vector<gate_record>& gates,
                                          std::optional<std::size_t> named,
                                          const approver_session& who) {
  if (named) {
    if (*named >= gates.size())
      return to_caf_error(error_code::not_found, "the call has no such gate");
    if (!gates[*named].approval.admits(who.approver_name))
      return to_caf_error(error_code::policy_denied,
                          "you are not an approver of this gate");
    return *named;
  }
  if (gates.size() == 1)
    return gate_to_decide(gates, std::size_t{0}, who);
  std::optional<std::size_t> mine;
  for (std::size_t i = 0; i < gates.size(); ++i)
    if (gates[i].status == approval_state::pending
        && gates[i].approval.admits(who.approver_name)) {
      if (mine)
        return to_caf_error(error_code::invalid_request,
                            "say which gate you decide: you may decide several");
      mine = i;
    }
  if (!mine)
    return to_caf_error(error_code::policy_denied,
                        "you are not an approver of any pending gate of this call");
  return *mine;
}

/// What the email to an approver of a held call says: where to decide and
/// what was asked, never the request's body or a credential.
mail_message mail_about(const approval_record& a, const gate_record& gate,
                        std::size_t index, std::size_t gates, const std::string& url) {
  mail_message m;
  auto target = a.method + " " + redact_url(a.url);
  m.subject = "Approval needed: " + target;
  m.body = "A call waits for your decision.\n\n  " + target
           + "\n  Reason: " + a.reason.substr(0, 1000) + "\n  Agent: "
           + (a.agent_id.empty() ? std::string{"(none: the app's key)"} : a.agent_id)
           + "\n  Rule: "
           + (gate.rule_name.empty() ? std::string{"the client's constraint rule"}
                                     : gate.rule_name)
           + "\n  Gate: " + std::to_string(index + 1) + " of " + std::to_string(gates)
           + "\n  Expires: " + a.expires_at + "\n\nDecide on the approval page:\n  "
           + url + "\n";
  return m;
}

/// The answer of an approved call whose process died while executing it.
std::string interrupted_result() {
  return error_envelope(make_error(error_code::internal_error,
                                   "the backend stopped while this call was executing; "
                                   "whether the provider received it is unknown"));
}

} // namespace

approval_desk::approval_desk(backend_context& ctx, net::io_runtime& io,
                             request_executor& workers, std::string public_base_url,
                             std::chrono::seconds ttl, const mail_outbox* outbox)
    : ctx_(ctx), io_(io), workers_(workers), base_url_(std::move(public_base_url)),
      ttl_(ttl), outbox_(outbox) {
  // A previous process may have died between a decision and the end of its
  // execution: whether the provider saw the call is unknown, so it is never
  // run again; its waiters learn that it failed.
  // With live peers on the database, only the calls decided longer ago than
  // any execution runs: a younger one may be a peer's, still executing.
  ctx_.db.approvals().fail_interrupted(
      interrupted_result(), now_iso8601(),
      ctx_.database_shared ? now_iso8601(-ctx_.idempotency_lease) : std::string{});
  // A notification may come on any thread (another instance's, through the
  // feed's own); waking reads the store, so it runs on a worker.
  changes_ = ctx_.db.changes().subscribe(
      change_topic::approval,
      [this](const std::string& id) { workers_.post([this, id] { wake(id); }); });
}

approval_desk::~approval_desk() = default;

bool approval_desk::is_terminal(approval_state status) noexcept {
  return status == approval_state::executed || status == approval_state::failed
         || status == approval_state::denied || status == approval_state::expired;
}

caf::expected<approval_record> approval_desk::hold(
    approval_record x, const std::vector<gate_record>& gates, audit_record row,
    const std::function<void(repositories&, const approval_record&)>& also) {
  if (gates.empty() || gates.size() > max_gates)
    return to_caf_error(error_code::internal_error, "a held call needs 1 to "
                                                        + std::to_string(max_gates)
                                                        + " gates");
  x.id = "apr_" + crypto::random_hex(16);
  x.status = approval_state::pending;
  x.created_at = now_iso8601();
  x.expires_at = now_iso8601(ttl_);
  x.gates_json = to_json(gates);
  row.approval_id = x.id;
  // The held call and its audit row commit together, or neither does.
  try {
    in_transaction(ctx_.db, [&](transaction& tx) {
      tx.approvals().insert(x);
      if (!write_audit(tx, row))
        throw std::runtime_error{"audit write failed"};
      if (also)
        also(tx, x);
    });
  } catch (const std::exception&) {
    return to_caf_error(error_code::audit_write_failed,
                        "the held call could not be recorded");
  }
  notify(x, gates);
  return x;
}

std::string approval_desk::url_of(const std::string& id) const {
  return base_url_ + "/approvals/" + id;
}

std::string approval_desk::url_of(const std::string& id, std::size_t gate) const {
  return url_of(id) + "#gate-" + std::to_string(gate + 1);
}

std::vector<approval_gate>
approval_desk::gate_views(const std::string& id,
                          const std::vector<gate_record>& gates) const {
  std::vector<approval_gate> out;
  out.reserve(gates.size());
  for (std::size_t i = 0; i < gates.size(); ++i)
    out.push_back({url_of(id, i), gates[i].approval.approvers,
                   std::string{to_string(gates[i].status)}, gates[i].rule_id});
  return out;
}

void approval_desk::notify(const approval_record& held,
                           const std::vector<gate_record>& gates) {
  if (outbox_ == nullptr)
    return;
  // Bounded: at most this many messages per gate, whatever the app holds.
  constexpr std::size_t max_recipients = 50;
  for (std::size_t i = 0; i < gates.size(); ++i) {
    const auto& gate = gates[i];
    const auto& channels = gate.approval.channels;
    if (std::find(channels.begin(), channels.end(), approval_channel::email)
        == channels.end())
      continue;
    std::vector<std::string> to = gate.approval.approvers;
    try {
      if (to.empty())
        for (auto& a : ctx_.db.approvals().approvers_of(held.app_id, max_recipients))
          to.push_back(std::move(a.name));
    } catch (const std::exception&) {
      continue; // the call stays held; its page still works
    }
    auto message = mail_about(held, gate, i, gates.size(), url_of(held.id, i));
    for (std::size_t n = 0; n < to.size() && n < max_recipients; ++n) {
      // An approver listed by a name that is no address hears nothing.
      message.to = to[n];
      outbox_->deliver(message);
    }
  }
}

std::optional<approval_record> approval_desk::current(const std::string& id) {
  auto a = ctx_.db.approvals().find(id);
  if (a && a->status == approval_state::pending
      && has_expired(a->expires_at, std::chrono::system_clock::now())
      && ctx_.db.approvals().expire(id, now_iso8601())) {
    auto row = row_about(*a, "approval.expired");
    row.outcome = audit_outcome::denied;
    row.error_code = "approval_expired";
    write_audit(ctx_.db, row);
    a = ctx_.db.approvals().find(id);
    publish(id);
  }
  // Executing for longer than any execution runs: the process running it died,
  // and no start settled it (a peer on a shared database that stays down).
  // Twice the lease: an execution is one upstream call (30 s at most) plus a
  // few store calls, each of which may wait for a connection, and the clocks
  // of instances may differ a little.
  const auto executions_end = 2 * ctx_.idempotency_lease;
  auto decided_long_ago = [&] {
    return has_expired(a->decided_at,
                       std::chrono::system_clock::now() - executions_end);
  };
  if (a
      && (a->status == approval_state::approved
          || a->status == approval_state::executing)
      && decided_long_ago()
      && ctx_.db.approvals().fail_interrupted(interrupted_result(), now_iso8601(),
                                              now_iso8601(-executions_end))
             > 0) {
    a = ctx_.db.approvals().find(id);
    publish(id);
  }
  return a;
}

void approval_desk::wait(const std::string& id, std::chrono::milliseconds wait,
                         std::function<void(approval_record)> done) {
  auto now = current(id);
  if (!now || is_terminal(now->status) || wait.count() <= 0)
    return done(now ? std::move(*now) : approval_record{});
  // Wake at the deadline, or at the expiry when that comes first.
  auto w = std::make_shared<waiter>();
  w->status = now->status;
  // Only its state is answered from it: the held call and any result are
  // dropped, so a thousand waiters do not keep a thousand request bodies.
  w->known = std::move(*now);
  w->known.request_json = std::string{};
  w->known.result_json = std::string{};
  w->done = std::move(done);
  w->timer = std::make_unique<boost::asio::steady_timer>(
      boost::asio::make_strand(io_.context()), wait);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    waiters_[id].push_back(w);
  }
  // A decision between the read above and the registration would have found
  // no waiter to wake: look again.
  wake(id);
  auto on_expiry = [this, id, w](boost::system::error_code) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (w->fired)
        return;
      w->fired = true;
      auto& list = waiters_[id];
      list.erase(std::remove(list.begin(), list.end(), w), list.end());
      if (list.empty())
        waiters_.erase(id);
    }
    // The timer fires on an I/O thread; reading the store is a worker's job.
    workers_.post([this, id, w] {
      std::optional<approval_record> latest;
      try {
        latest = current(id);
      } catch (const std::exception&) {
        // This task runs outside the router's catch: an exception would leave
        // the caller without an answer.
        try {
          latest = ctx_.db.approvals().find(id); // expiry could not be recorded now
        } catch (const std::exception&) {
          latest = w->known; // the store is unavailable: nothing known moved on
        }
      }
      w->done(latest ? std::move(*latest) : approval_record{});
    });
  };
  boost::asio::dispatch(w->timer->get_executor(),
                        [w, on_expiry] { w->timer->async_wait(on_expiry); });
}

void approval_desk::publish(const std::string& id) {
  ctx_.db.changes().publish(change_topic::approval, id);
}

void approval_desk::wake(const std::string& id) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (waiters_.find(id) == waiters_.end())
      return;
  }
  // The store says what happened; a notification only says where to look (it
  // may be late, repeated, or from another instance).
  std::optional<approval_record> latest;
  try {
    latest = ctx_.db.approvals().find(id);
  } catch (const std::exception&) {
    return; // the waiters' deadlines read it again
  }
  std::vector<std::shared_ptr<waiter>> woken;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = waiters_.find(id);
    if (i == waiters_.end())
      return;
    auto& list = i->second;
    auto moved_on = [&](const std::shared_ptr<waiter>& w) {
      return !latest || latest->status != w->status;
    };
    for (auto& w : list)
      if (moved_on(w)) {
        w->fired = true;
        woken.push_back(w);
      }
    list.erase(std::remove_if(list.begin(), list.end(), moved_on), list.end());
    if (list.empty())
      waiters_.erase(i);
  }
  for (auto& w : woken) {
    boost::asio::dispatch(w->timer->get_executor(), [w] { w->timer->cancel(); });
    // Answer on another worker, never inside the notifier's own call stack.
    workers_.post([w, latest] { w->done(latest ? *latest : approval_record{}); });
  }
}

caf::expected<approval_record> approval_desk::decide(const std::string& id,
                                                     std::optional<std::size_t> gate,
                                                     bool approve,
                                                     const approver_session& who,
                                                     const std::string& reason) {
  auto no_longer_pending = [](const std::optional<approval_record>& latest) {
    return to_caf_error(error_code::invalid_request,
                        "the approval is no longer pending (it is "
                            + std::string{latest ? to_string(latest->status) : "gone"}
                            + ")");
  };
  const auto note = reason.substr(0, 1000);
  // A compare-and-swap on the gates: a decision racing another one on the
  // same call reads again and retries; one that lost to the expiry or a
  // denial stops. Bounded: each round lost means another gate was decided.
  for (std::size_t round = 0; round <= max_gates; ++round) {
    auto a = current(id);
    if (!a || a->app_id != who.app_id)
      return to_caf_error(error_code::approval_not_found, "no approval with that id");
    if (a->status != approval_state::pending)
      return no_longer_pending(a);
    auto gates = gates_of(*a);
    if (!gates)
      return to_caf_error(error_code::internal_error,
                          "the approval's gates cannot be read; it cannot be decided");
    auto index = gate_to_decide(*gates, gate, who);
    if (!index)
      return index.error();
    auto& g = (*gates)[*index];
    if (g.status != approval_state::pending)
      return to_caf_error(error_code::invalid_request,
                          "this gate was already decided (it is "
                              + std::string{to_string(g.status)} + ")");
    const auto now = now_iso8601();
    g.status = approve ? approval_state::approved : approval_state::denied;
    g.decided_by = who.approver_name;
    g.decided_at = now;
    g.decision_reason = note;
    const auto outcome = outcome_of(*gates);
    // The decision and its audit row commit together, or neither does.
    auto row
        = row_about(*a, outcome == approval_state::approved ? "approval.approved"
                        : outcome == approval_state::denied ? "approval.denied"
                                                            : "approval.gate_approved");
    row.outcome = approve ? audit_outcome::success : audit_outcome::denied;
    row.decided_by = who.approver_name;
    row.context_json = boost::json::serialize(boost::json::object{
        {"reason", note}, {"gate", *index + 1}, {"gates", gates->size()}});
    bool decided_now = false;
    try {
      in_transaction(ctx_.db, [&](transaction& tx) {
        decided_now = tx.approvals().decide_gate(id, a->gates_json, to_json(*gates),
                                                 outcome, who.approver_name, note, now);
        if (decided_now && !write_audit(tx, row))
          throw std::runtime_error{"audit write failed"};
      });
    } catch (const std::exception&) {
      return to_caf_error(error_code::audit_write_failed,
                          "the decision could not be recorded; nothing was decided");
    }
    if (!decided_now) {
      auto latest = current(id);
      if (latest && latest->status == approval_state::pending
          && latest->gates_json != a->gates_json)
        continue; // another gate was decided meanwhile: decide on what is now
      return no_longer_pending(latest);
    }
    auto decided = ctx_.db.approvals().find(id);
    publish(id);
    if (outcome == approval_state::approved)
      execute(*decided);
    return *decided;
  }
  return to_caf_error(error_code::service_unavailable,
                      "the approval changed too often while deciding; try again");
}

void approval_desk::execute(const approval_record& approval) {
  if (!ctx_.db.approvals().start_execution(approval.id))
    return;
  publish(approval.id);
  auto started = std::chrono::steady_clock::now();
  auto finish = [this, approval, started](provider_outcome out) {
    auto row = row_about(approval, "proxy.executed");
    row.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
    if (auto req = from_json<proxy_request>(approval.request_json))
      record_proxy_request(row, *req);
    if (auto grant = ctx_.db.grants().find(approval.grant_id))
      record_grant(row, *grant);
    auto status = approval_state::failed;
    int64_t result_status = 0;
    std::string result_json;
    if (out.ok) {
      out.result.approval_id = approval.id;
      status = approval_state::executed;
      result_status = out.result.status_code;
      result_json = to_json(out.result);
      row.outcome = audit_outcome::success;
      row.status_code = out.result.status_code;
    } else {
      status = approval_state::failed;
      result_status = http_status_of(out.error.code);
      result_json = error_envelope(out.error);
      row.outcome = audit_outcome::error;
      row.error_code = std::string{name_of(out.error.code)};
    }
    if (!write_audit(ctx_.db, row)) {
      // No row, no result: the execution counts as failed.
      status = approval_state::failed;
      result_json = error_envelope(make_error(error_code::audit_write_failed,
                                              "the audit row could not be written"));
    }
    ctx_.db.approvals().finish(approval.id, status, result_status, result_json,
                               now_iso8601());
    publish(approval.id);
  };
  // Access may have changed while the call waited: the grant, the agent and
  // the key must all still be usable now.
  auto refuse = [&](alter_error e) {
    provider_outcome refused;
    refused.error = std::move(e);
    finish(std::move(refused));
  };
  auto grant = ctx_.db.grants().find(approval.grant_id);
  auto req = from_json<proxy_request>(approval.request_json);
  if (!grant || !req)
    return refuse(
        make_error(error_code::grant_not_found, "the approved call's grant is gone"));
  if (auto usable = check_grant_state(*grant); !usable)
    return refuse(from_caf_error(usable.error()));
  if (!approval.agent_id.empty()) {
    auto agent = ctx_.db.accounts().find_agent(approval.agent_id);
    if (!agent || !agent_may_act(*agent))
      return refuse(
          make_error(error_code::agent_inactive,
                     "the agent was paused or revoked while its call waited"));
  }
  if (auto key = ctx_.db.accounts().find_key(approval.api_key_id);
      !key || !key_is_live(*key, std::chrono::system_clock::now()))
    return refuse(make_error(error_code::invalid_key,
                             "the key was revoked or expired while its call waited"));
  auto key = approval.idempotency_key.empty()
                 ? std::string{}
                 : upstream_idempotency_key(approval.app_id, approval.idempotency_key);
  call_provider(ctx_, *grant, *req, key, approval.traceparent, std::move(finish));
}

} // namespace alter::backend
