// The credential-using routes: token retrieval (retrieve mode) and proxy
// execution (proxy mode). Both run the default-deny base (scope, grant), then
// the policy rules and the client's constraint rule, and write an audit row for
// every outcome before they answer.
#include "backend/routes/routes.hpp"

#include "auth/constraints.hpp"
#include "auth/crypto.hpp"
#include "auth/request_signing.hpp"
#include "auth/scope.hpp"
#include "backend/access/grant_access.hpp"
#include "backend/approvals/approval_desk.hpp"
#include "backend/audit/audit_trail.hpp"
#include "backend/proxy/proxy_execution.hpp"
#include "messages/base64.hpp"
#include "messages/json_codec.hpp"
#include "messages/proxy_outcome.hpp"
#include "messages/validation.hpp"
#include "messages/wire_requests.hpp"

namespace alter::backend {

namespace {

/// Audits the failure and answers with it.
void deny(backend_context& ctx, const api_call_ptr& call, audit_record row,
          alter_error e) {
  row.outcome = e.cls() == error_class::PolicyViolationError ? "denied" : "error";
  row.error_code = std::string{name_of(e.code)};
  row.latency_ms = call->elapsed_ms();
  write_audit(ctx.db, row); // the call fails either way
  call->fail(std::move(e));
}

/// The rules of every target of this call, and the client's constraint rule.
policy_decision run_policy(backend_context& ctx, const api_call& call,
                           const grant_record& grant, const std::string& method,
                           std::optional<std::string> body) {
  const auto& id = call.identity;
  policy_facts facts;
  facts.attributes
      = {{"provider_id", grant.provider_id},  {"app_id", id.app_id()},
         {"api_key_id", id.key.id},           {"client_ip", call.request.client_ip},
         {"resource_kind", grant.grant_kind}, {"environment", "local"}};
  if (id.agent)
    facts.attributes.emplace_back("agent_id", id.agent->id);
  if (!method.empty())
    facts.attributes.emplace_back("method", method);
  facts.body = std::move(body);
  facts.now = ctx.clock ? ctx.clock() : 0;
  auto rules
      = ctx.db.rules().for_call(id.app_id(), id.agent ? id.agent->id : std::string{},
                                grant.id, grant.provider_id);
  std::optional<constraint_rule> constraint;
  if (id.constraints && id.constraints->rule)
    constraint = id.constraints->rule;
  return evaluate_policy(rules, constraint, facts, *ctx.rates);
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
  auto decision = run_policy(ctx, *call, *grant, {}, std::nullopt);
  if (decision.effect == policy_effect::deny)
    return deny(ctx, call, std::move(row), std::move(*decision.refusal));
  if (decision.effect == policy_effect::require_approval)
    return deny(ctx, call, std::move(row),
                make_error(error_code::hitl_grant_requires_proxy,
                           "calls with this grant need a human approval: use "
                           "proxy_request()"));
  auto token = credential_of(ctx.db, *grant);
  if (!token)
    return deny(ctx, call, std::move(row), from_caf_error(token.error()));
  row.outcome = "success";
  row.status_code = 200;
  row.latency_ms = call->elapsed_ms();
  if (!write_audit(ctx.db, row))
    return call->fail(make_error(error_code::audit_write_failed,
                                 "the audit row could not be written"));
  ctx.db.grants().touch(grant->id, now_iso8601());
  call->reply(200, to_json(*token));
}

/// Holds the call for a human: stores it with its audit row and answers 202; the
/// answer is kept under the Idempotency-Key, so a retry gets the same approval.
void hold_for_approval(backend_context& ctx, const api_call_ptr& call, audit_record row,
                       const grant_record& grant, const proxy_request& body,
                       const std::string& rule_id, const std::string& idem_key) {
  const auto& id = call->identity;
  auto release = [&] {
    if (!idem_key.empty())
      ctx.db.idempotency().release(id.app_id(), idem_key);
  };
  if (body.reason.empty()) {
    release();
    return deny(ctx, call, std::move(row),
                make_error(error_code::invalid_request,
                           "calls that need an approval must give a reason"));
  }
  approval_record a;
  a.app_id = id.app_id();
  a.agent_id = id.agent ? id.agent->id : std::string{};
  a.api_key_id = id.key.id;
  a.grant_id = grant.id;
  a.provider_id = grant.provider_id;
  a.rule_id = rule_id;
  a.request_json = to_json(body);
  a.method = body.method;
  a.url = row.url;
  a.reason = body.reason;
  a.caller = id.caller;
  a.caller_type = id.caller_type;
  a.run_id = row.run_id;
  a.thread_id = row.thread_id;
  a.tool_call_id = row.tool_call_id;
  a.idempotency_key = idem_key;
  row.action = "approval.requested";
  row.outcome = "pending";
  row.status_code = 202;
  row.latency_ms = call->elapsed_ms();
  auto held = ctx.approvals->hold(std::move(a), std::move(row));
  if (!held) {
    release();
    return call->fail(from_caf_error(held.error()));
  }
  auto answer = to_json(
      pending_approval{held->id, ctx.approvals->url_of(held->id), held->expires_at});
  if (!idem_key.empty())
    ctx.db.idempotency().complete(id.app_id(), idem_key, 202, answer);
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
  if (auto problem = proxy_request_problem(ctx.db, *body, *grant))
    return deny(ctx, call, row, std::move(*problem));
  std::string idem_key;
  if (const auto* k = find_field(call->request.headers, header::idempotency_key))
    idem_key = *k;
  if (!idem_key.empty() && !is_valid_idempotency_key(idem_key))
    return deny(ctx, call, row,
                make_error(error_code::idempotency_key_invalid,
                           "Idempotency-Key must be 1-255 visible ASCII characters"));
  const auto& app_id = call->identity.app_id();
  // Exactly once: a key that already has an answer (an execution, or a held
  // call's 202) replays it; one still executing asks the retry to wait; a
  // fresh one owns the call from here on.
  if (!idem_key.empty()) {
    // The request is the body plus who runs it with which grant: the same key
    // and body from another agent is another request, never a replay.
    auto agent_id = call->identity.agent ? call->identity.agent->id : std::string{};
    auto request_hash
        = crypto::sha256_hex(grant->id + "\n" + agent_id + "\n" + call->request.body);
    auto claim = ctx.db.idempotency().claim(app_id, idem_key, request_hash);
    switch (claim.kind) {
      case idempotency_claim::done:
        row.action = "proxy.replayed";
        row.outcome = claim.status < 400 ? "success" : "error";
        row.status_code = claim.status;
        if (!write_audit(ctx.db, row))
          return call->fail(make_error(error_code::audit_write_failed,
                                       "the audit row could not be written"));
        return call->reply(claim.status, std::move(claim.body));
      case idempotency_claim::in_progress:
        return deny(ctx, call, row,
                    make_error(error_code::idempotency_in_progress,
                               "a request with this Idempotency-Key is still "
                               "executing"));
      case idempotency_claim::mismatch:
        return deny(ctx, call, row,
                    make_error(error_code::idempotency_key_body_mismatch,
                               "this Idempotency-Key was used for a different "
                               "request"));
      case idempotency_claim::fresh:
        break;
    }
  }
  auto decision = run_policy(ctx, *call, *grant, body->method,
                             base64_decode(body->body_b64).value_or(std::string{}));
  if (decision.effect == policy_effect::deny) {
    // A denial is not stored under the key: a later retry is judged afresh.
    if (!idem_key.empty())
      ctx.db.idempotency().release(app_id, idem_key);
    return deny(ctx, call, row, std::move(*decision.refusal));
  }
  if (decision.effect == policy_effect::require_approval)
    return hold_for_approval(ctx, call, std::move(row), *grant, *body, decision.rule_id,
                             idem_key);
  auto grant_id = grant->id;
  call_provider(ctx, *grant, *body,
                [&ctx, call, row, grant_id, idem_key](provider_outcome out) mutable {
                  const auto& app_id = call->identity.app_id();
                  row.latency_ms = call->elapsed_ms();
                  // Records the final answer under the key before it leaves.
                  auto answer = [&](alter_error e) {
                    if (!idem_key.empty())
                      ctx.db.idempotency().complete(
                          app_id, idem_key, http_status_of(e.code), error_envelope(e));
                    call->fail(std::move(e));
                  };
                  if (!out.ok) {
                    row.outcome = "error";
                    row.error_code = std::string{name_of(out.error.code)};
                    write_audit(ctx.db, row);
                    if (!out.request_sent) {
                      // The provider never saw it: a retry may execute it.
                      if (!idem_key.empty())
                        ctx.db.idempotency().release(app_id, idem_key);
                      return call->fail(std::move(out.error));
                    }
                    return answer(std::move(out.error));
                  }
                  row.outcome = "success";
                  row.status_code = out.result.status_code;
                  if (!write_audit(ctx.db, row))
                    return answer(make_error(error_code::audit_write_failed,
                                             "the audit row could not be written"));
                  ctx.db.grants().touch(grant_id, now_iso8601());
                  auto body = to_json(out.result);
                  if (!idem_key.empty())
                    ctx.db.idempotency().complete(app_id, idem_key, 200, body);
                  call->reply(200, std::move(body));
                });
}

} // namespace

void add_credential_routes(api_router& router, backend_context& ctx) {
  route tokens;
  tokens.method = "POST";
  tokens.pattern = "/v1/tokens/retrieve";
  tokens.required_scope = std::string{scopes::tokens_retrieve};
  tokens.handler = [&ctx](const api_call_ptr& call) { retrieve_token(ctx, call); };
  router.add(std::move(tokens));
  route proxy;
  proxy.method = "POST";
  proxy.pattern = "/v1/proxy/execute";
  proxy.required_scope = std::string{scopes::proxy_execute};
  proxy.handler = [&ctx](const api_call_ptr& call) { execute_proxy(ctx, call); };
  router.add(std::move(proxy));
}

} // namespace alter::backend
