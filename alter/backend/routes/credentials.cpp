// The credential-using routes: token retrieval (retrieve mode) and proxy
// execution (proxy mode). Both run the default-deny base (scope, grant), then
// the policy rules and the client's constraint rule, and write an audit row for
// every outcome before they answer.
#include "alter/backend/routes/routes.hpp"

#include "alter/auth/constraints.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/api/handler_failure.hpp"
#include "alter/backend/api/idempotency_guard.hpp"
#include "alter/backend/approvals/approval_desk.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/oauth/grant_credential.hpp"
#include "alter/backend/policy/rule_book.hpp"
#include "alter/backend/proxy/proxy_execution.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/validation.hpp"
#include "alter/messages/wire_requests.hpp"

namespace alter::backend {

namespace {

/// Audits the failure and answers with it.
void deny(backend_context& ctx, const api_call_ptr& call, audit_record row,
          alter_error e) {
  row.outcome = e.cls() == error_class::PolicyViolationError ? audit_outcome::denied
                                                             : audit_outcome::error;
  row.error_code = std::string{name_of(e.code)};
  row.latency_ms = call->elapsed_ms();
  write_audit(ctx.db, row); // the call fails either way
  call->fail(std::move(e));
}

/// Answers a request whose key another request holds or already answered: a
/// replay of the stored answer (audited as proxy.replayed), or the refusal.
void idempotency_answer(backend_context& ctx, const api_call_ptr& call,
                        audit_record row, const idempotency_lookup& seen) {
  if (seen.kind != idempotency_lookup::replay)
    return deny(ctx, call, std::move(row), idempotency_refusal(seen));
  row.action = "proxy.replayed";
  row.outcome = seen.status < 400 ? audit_outcome::success : audit_outcome::error;
  row.status_code = seen.status;
  if (!write_audit(ctx.db, row))
    return call->fail(make_error(error_code::audit_write_failed,
                                 "the audit row could not be written"));
  call->reply(seen.status, seen.body);
}

/// The rules of every target of this call, and the client's constraint rule.
policy_decision run_policy(backend_context& ctx, const api_call& call,
                           const grant_record& grant, const std::string& method,
                           std::string* body) {
  const auto& id = call.identity;
  policy_facts facts;
  facts.attributes = {{"provider_id", grant.provider_id},
                      {"app_id", id.app_id()},
                      {"api_key_id", id.key.id},
                      {"client_ip", call.request.client_ip},
                      {"resource_kind", std::string{to_string(grant.grant_kind)}},
                      {"environment", "local"}};
  if (id.agent)
    facts.attributes.emplace_back("agent_id", id.agent->id);
  if (!method.empty())
    facts.attributes.emplace_back("method", method);
  // Lent to the facts for the evaluation, then handed back: the body is
  // decoded once and sent upstream after the policy read it.
  if (body != nullptr)
    facts.body = std::move(*body);
  facts.now = ctx.clock ? ctx.clock() : 0;
  auto rules = ctx.rules->load(
      ctx.db.rules().for_call(id.app_id(), id.agent ? id.agent->id : std::string{},
                              grant.id, grant.provider_id));
  std::optional<constraint_rule> constraint;
  if (id.constraints && id.constraints->rule)
    constraint = id.constraints->rule;
  auto decision = evaluate_policy(rules, constraint, facts, ctx.db.rate_limits());
  if (body != nullptr && facts.body)
    *body = std::move(*facts.body);
  return decision;
}

void retrieve_token(backend_context& ctx, const api_call_ptr& call) {
  auto row = audit_row(*call, "token.retrieved");
  auto body = from_json<token_request>(call->request.body);
  if (!body)
    return call->fail(from_caf_error(body.error()));
  row.reason = body->reason;
  row.context_json = fields_to_json(body->context);
  auto grant = resolve_grant(ctx.db, call->identity, body->grant);
  if (!grant)
    return deny(ctx, call, std::move(row), from_caf_error(grant.error()));
  record_grant(row, *grant);
  auto decision = run_policy(ctx, *call, *grant, {}, nullptr);
  if (decision.effect == policy_effect::deny)
    return deny(ctx, call, std::move(row), std::move(*decision.refusal));
  if (decision.effect == policy_effect::require_approval)
    return deny(ctx, call, std::move(row),
                make_error(error_code::hitl_grant_requires_proxy,
                           "calls with this grant need a human approval: use "
                           "proxy_request()"));
  credential_for(
      ctx, *grant, {},
      [&ctx, call, row = std::move(row),
       grant_id = grant->id](caf::expected<token_response> token) mutable {
        // After a refresh this runs outside the router's catch.
        try {
          if (!token)
            return deny(ctx, call, std::move(row), from_caf_error(token.error()));
          row.outcome = audit_outcome::success;
          row.status_code = 200;
          row.latency_ms = call->elapsed_ms();
          if (!write_audit(ctx.db, row))
            return call->fail(make_error(error_code::audit_write_failed,
                                         "the audit row could not be written"));
          ctx.db.grants().touch(grant_id, now_iso8601());
          call->reply(200, to_json(*token));
        } catch (const std::exception&) {
          call->fail(error_of_current_exception());
        }
      });
}

/// The answer of a proxied call: its audit row, the answer stored under its
/// Idempotency-Key and the grant's last use (`used_grant`, empty for none) in
/// one transaction: a crash keeps all or none, and the call costs one commit.
void answer_proxy(backend_context& ctx, const api_call_ptr& call,
                  const audit_record& row, idempotency_guard& guard, int status,
                  std::string body, const std::string& used_grant = {}) {
  bool written = false;
  try {
    in_transaction(ctx.db, [&](transaction& tx) {
      if (!write_audit(tx, row))
        throw std::runtime_error{"audit row refused"};
      guard.complete(tx, status, body);
      if (!used_grant.empty())
        tx.grants().touch(used_grant, now_iso8601());
    });
    written = true;
  } catch (const std::exception&) {
    // Nothing happens off the record; the stored answer says so.
  }
  if (!written) {
    auto e = make_error(error_code::audit_write_failed,
                        "the audit row could not be written");
    // This runs after the provider answered, outside the router's catch: an
    // exception would leave the caller without an answer.
    try {
      guard.complete(ctx.db, http_status_of(e.code), error_envelope(e));
    } catch (const std::exception&) {
      // The store is gone (unavailable): the claim stays executing, and a
      // retry learns that the outcome is unknown once its lease has passed.
    }
    return call->fail(std::move(e));
  }
  call->reply(status, std::move(body));
}

/// Holds the call for a human: stores it, its audit row and its 202 (under the
/// Idempotency-Key, so a retry gets the same approval) in one transaction.
void hold_for_approval(backend_context& ctx, const api_call_ptr& call, audit_record row,
                       const grant_record& grant, const proxy_request& body,
                       const policy_decision& decision, idempotency_guard& guard) {
  const auto& id = call->identity;
  if (body.reason.empty())
    return deny(ctx, call, std::move(row),
                make_error(error_code::invalid_request,
                           "calls that need an approval must give a reason"));
  approval_record a;
  a.app_id = id.app_id();
  a.agent_id = id.agent ? id.agent->id : std::string{};
  a.api_key_id = id.key.id;
  a.grant_id = grant.id;
  a.provider_id = grant.provider_id;
  a.rule_id = decision.rule_id;
  auto gates = gates_for(decision.holds);
  a.request_json = to_json(body);
  a.method = body.method;
  a.url = row.url;
  a.reason = body.reason;
  a.caller = id.caller;
  a.caller_type = id.caller_type;
  a.run_id = row.run_id;
  a.thread_id = row.thread_id;
  a.tool_call_id = row.tool_call_id;
  a.traceparent = row.traceparent;
  a.idempotency_key = guard.key();
  row.action = "approval.requested";
  row.outcome = audit_outcome::pending;
  row.status_code = 202;
  row.latency_ms = call->elapsed_ms();
  if (auto taken = guard.claim(idempotency_state::pending))
    return idempotency_answer(ctx, call, std::move(row), *taken);
  std::string answer;
  auto held = ctx.approvals->hold(
      std::move(a), gates, std::move(row),
      [&](repositories& tx, const approval_record& x) {
        pending_approval pending{x.id, ctx.approvals->url_of(x.id), x.expires_at, {}};
        pending.gates = ctx.approvals->gate_views(x.id, gates);
        answer = to_json(pending);
        guard.complete(tx, 202, answer);
      });
  if (!held)
    return call->fail(from_caf_error(held.error()));
  call->reply(202, std::move(answer));
}

void execute_proxy(backend_context& ctx, const api_call_ptr& call) {
  auto row = audit_row(*call, "proxy.executed");
  auto body = from_json<proxy_request>(call->request.body);
  if (!body)
    return call->fail(from_caf_error(body.error()));
  row.reason = body->reason;
  row.context_json = fields_to_json(body->context);
  record_proxy_request(row, *body);
  auto grant = resolve_grant(ctx.db, call->identity, body->grant);
  if (!grant)
    return deny(ctx, call, row, from_caf_error(grant.error()));
  record_grant(row, *grant);
  // Checked once: the decoded body serves the policy and the provider call.
  auto checks = check_proxy_request(ctx.db, *body, *grant);
  if (auto* problem = std::get_if<alter_error>(&checks))
    return deny(ctx, call, row, std::move(*problem));
  auto& checked = std::get<checked_proxy_request>(checks);
  const auto* idem_key = find_field(call->request.headers, header::idempotency_key);
  // Exactly once is the promise, so every execution names its logical call.
  if (idem_key == nullptr || idem_key->empty())
    return deny(ctx, call, row,
                make_error(error_code::idempotency_key_required,
                           "POST /v1/proxy/execute needs an Idempotency-Key header"));
  if (!is_valid_idempotency_key(*idem_key))
    return deny(ctx, call, row,
                make_error(error_code::idempotency_key_invalid,
                           "Idempotency-Key must be 1-255 visible ASCII characters"));
  // The request is the body plus who runs it with which grant: the same key
  // and body from another agent is another request, never a replay.
  auto agent_id = call->identity.agent ? call->identity.agent->id : std::string{};
  auto guard = std::make_shared<idempotency_guard>(
      ctx.db, call->identity.app_id(), *idem_key,
      crypto::sha256_hex(grant->id + "\n" + agent_id + "\n" + call->request.body),
      ctx.idempotency_lease);
  // A key with an answer (an execution, a held call's 202, an outcome unknown)
  // replays it; one still executing asks the retry to wait.
  auto seen = guard->look_up();
  if (seen.kind != idempotency_lookup::proceed)
    return idempotency_answer(ctx, call, std::move(row), seen);
  auto decision = run_policy(ctx, *call, *grant, body->method, &checked.body);
  // A denial is not stored under the key: a later retry is judged afresh.
  if (decision.effect == policy_effect::deny)
    return deny(ctx, call, row, std::move(*decision.refusal));
  if (decision.effect == policy_effect::require_approval)
    return hold_for_approval(ctx, call, std::move(row), *grant, *body, decision,
                             *guard);
  // From here the provider may see the request: a crash leaves the claim
  // executing, and it is never run again.
  if (auto taken = guard->claim(idempotency_state::executing))
    return idempotency_answer(ctx, call, std::move(row), *taken);
  auto grant_id = grant->id;
  call_provider(ctx, *grant, *body, std::move(checked),
                upstream_idempotency_key(call->identity.app_id(), guard->key()),
                call->traceparent,
                [&ctx, call, row, grant_id, guard](provider_outcome out) mutable {
                  row.latency_ms = call->elapsed_ms();
                  if (!out.ok) {
                    row.outcome = audit_outcome::error;
                    row.error_code = std::string{name_of(out.error.code)};
                    if (!out.request_sent) {
                      // The provider never saw it: a retry may execute it.
                      try {
                        guard->release();
                      } catch (const std::exception&) {
                        // The store is gone: the lease settles the claim.
                      }
                      write_audit(ctx.db, row);
                      return call->fail(std::move(out.error));
                    }
                    auto status = http_status_of(out.error.code);
                    return answer_proxy(ctx, call, row, *guard, status,
                                        error_envelope(out.error));
                  }
                  row.outcome = audit_outcome::success;
                  row.status_code = out.result.status_code;
                  answer_proxy(ctx, call, row, *guard, 200, to_json(out.result),
                               grant_id);
                });
}

} // namespace

void add_credential_routes(router& routes, backend_context& ctx) {
  routes.add({
      route{"POST", "/v1/tokens/retrieve", scopes::tokens_retrieve,
            [&ctx](const api_call_ptr& call) { retrieve_token(ctx, call); }},
      route{"POST", "/v1/proxy/execute", scopes::proxy_execute,
            [&ctx](const api_call_ptr& call) { execute_proxy(ctx, call); }},
  });
}

} // namespace alter::backend
