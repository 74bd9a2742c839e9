// The credential-using routes: token retrieval (retrieve mode) and proxy
// execution (proxy mode). Both write an audit row for every outcome.
#include "backend/routes.hpp"

#include <algorithm>

#include "auth/constraints.hpp"
#include "auth/crypto.hpp"
#include "auth/request_signing.hpp"
#include "auth/scope.hpp"
#include "backend/audit_trail.hpp"
#include "backend/grant_access.hpp"
#include "messages/base64.hpp"
#include "messages/json_codec.hpp"
#include "messages/proxy_outcome.hpp"
#include "messages/validation.hpp"
#include "messages/wire_requests.hpp"
#include "net/credential_injection.hpp"
#include "net/url.hpp"

namespace alter::backend {

namespace {

constexpr std::string_view methods[]
    = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
constexpr std::string_view credential_headers[]
    = {"authorization", "cookie", "x-api-key", "x-amz-security-token"};
constexpr std::string_view hop_by_hop[]
    = {"connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"};

/// Audits the failure and answers with it.
void deny(backend_context& ctx, const api_call_ptr& call, audit_record row,
          alter_error e) {
  row.outcome = e.cls() == error_class::PolicyViolationError ? "denied" : "error";
  row.error_code = std::string{name_of(e.code)};
  row.latency_ms = call->elapsed_ms();
  write_audit(ctx.db, row); // the call fails either way
  call->fail(std::move(e));
}

/// The one-off rule of the client's constraints, evaluated against this call;
/// `method` is empty for a token retrieval, which satisfies method conditions.
std::optional<alter_error> constraint_rule_refusal(const api_call& call,
                                                   const grant_record& grant,
                                                   const std::string& method) {
  const auto& c = call.identity.constraints;
  if (!c || !c->rule)
    return std::nullopt;
  call_attributes facts{{"provider_id", grant.provider_id},
                        {"app_id", call.identity.app_id()},
                        {"api_key_id", call.identity.key.id},
                        {"client_ip", call.request.client_ip},
                        {"resource_kind", grant.grant_kind},
                        {"environment", "local"}};
  if (call.identity.agent)
    facts.emplace_back("agent_id", call.identity.agent->id);
  if (!method.empty())
    facts.emplace_back("method", method);
  if (!rule_matches(*c->rule, facts))
    return std::nullopt;
  if (c->rule->type == rule_types::json_match)
    return make_error(error_code::policy_denied, "denied by the client's constraint rule",
                      R"({"policy_error":"constraint_rule_denied"})");
  // Human approval of constrained calls arrives with approvals; until then the
  // rule cannot be honoured, so the call is refused (fail closed).
  return make_error(error_code::policy_denied,
                    "the client's constraint rule requires an approval, which "
                    "this backend cannot hold yet",
                    R"({"policy_error":"approval_unavailable"})");
}

/// True when `url` lies under the provider's base URL, with no dot segments.
bool url_allowed(const std::string& url, const std::string& base) {
  if (url.compare(0, base.size(), base) != 0)
    return false;
  if (url.size() > base.size() && base.back() != '/' && url[base.size()] != '/'
      && url[base.size()] != '?')
    return false;
  auto parsed = net::parse_url(url);
  if (!parsed)
    return false;
  auto path = net::path_of(parsed->target);
  while (!path.empty()) {
    path.remove_prefix(1);
    auto seg = path.substr(0, path.find('/'));
    auto decoded = net::percent_decode(seg).value_or("..");
    if (decoded == "." || decoded == "..")
      return false;
    path.remove_prefix(seg.size());
  }
  return true;
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
  row.grant_id = grant->id;
  row.provider_id = grant->provider_id;
  if (auto refusal = constraint_rule_refusal(*call, *grant, {}))
    return deny(ctx, call, std::move(row), std::move(*refusal));
  auto token = credential_of(ctx.db, *grant);
  if (!token)
    return deny(ctx, call, std::move(row), from_caf_error(token.error()));
  row.outcome = "success";
  row.status_code = 200;
  row.latency_ms = call->elapsed_ms();
  if (!write_audit(ctx.db, row))
    return call->fail(make_error(error_code::audit_write_failed,
                                 "the audit row could not be written"));
  ctx.db.touch_grant(grant->id, now_iso8601());
  call->reply(200, to_json(*token));
}

void execute_proxy(backend_context& ctx, const api_call_ptr& call) {
  auto row = audit_row(*call, "proxy.executed");
  auto body = from_json<proxy_request>(call->request.body);
  if (!body)
    return call->fail(from_caf_error(body.error()));
  row.reason = body->reason;
  row.context_json = fields_to_json(body->context);
  row.method = body->method;
  row.url = body->url.substr(0, 2048);
  auto invalid = [&](std::string message) {
    deny(ctx, call, row, make_error(error_code::invalid_request, std::move(message)));
  };
  if (std::find(std::begin(methods), std::end(methods), body->method)
      == std::end(methods))
    return invalid(
        "method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
  for (const auto& h : body->headers) {
    for (auto forbidden : credential_headers)
      if (iequals(h.name, forbidden))
        return deny(ctx, call, row,
                    make_error(error_code::forbidden_header,
                               "header '" + h.name
                                   + "' carries credentials; "
                                     "Alter injects them itself"));
    if (h.name.empty() || has_control_characters(h.name)
        || has_control_characters(h.value))
      return invalid("a header has an empty name or a control character");
  }
  auto payload = base64_decode(body->body_b64);
  if (!payload)
    return invalid("body_b64 is not valid base64");
  auto target = net::parse_url(body->url);
  if (!target)
    return invalid("url is not an absolute http(s) URL");
  auto grant = resolve_grant(ctx.db, call->identity, body->grant);
  if (!grant)
    return deny(ctx, call, row, from_caf_error(grant.error()));
  row.grant_id = grant->id;
  row.provider_id = grant->provider_id;
  if (auto refusal = constraint_rule_refusal(*call, *grant, body->method))
    return deny(ctx, call, row, std::move(*refusal));
  auto provider = ctx.db.find_provider(grant->provider_id);
  if (!provider || !url_allowed(body->url, provider->base_url))
    return deny(ctx, call, row,
                make_error(error_code::url_not_allowed,
                           "the URL is outside the provider's base URL"));
  auto token = credential_of(ctx.db, *grant);
  if (!token)
    return deny(ctx, call, row, from_caf_error(token.error()));
  http_request base{body->method, target->target, body->headers, std::move(*payload),
                    0};
  auto upstream = net::inject_credential(std::move(base), *token);
  if (!upstream)
    return deny(ctx, call, row, from_caf_error(upstream.error()));
  // Exactly once: a key that already executed replays its answer; one still
  // executing asks the retry to wait; a fresh one owns the execution.
  std::string idem_key;
  if (const auto* k = find_field(call->request.headers, header::idempotency_key))
    idem_key = *k;
  if (!idem_key.empty()) {
    if (!is_valid_idempotency_key(idem_key))
      return deny(ctx, call, row,
                  make_error(error_code::idempotency_key_invalid,
                             "Idempotency-Key must be 1-255 visible ASCII characters"));
    // The request is the body plus who runs it with which grant: the same key
    // and body from another agent is another request, never a replay.
    auto agent_id = call->identity.agent ? call->identity.agent->id : std::string{};
    auto request_hash
        = crypto::sha256_hex(grant->id + "\n" + agent_id + "\n" + call->request.body);
    auto claim
        = ctx.db.claim_idempotency(call->identity.app_id(), idem_key, request_hash);
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
  auto grant_id = grant->id;
  ctx.upstream.exchange(
      target->where, std::move(*upstream), ctx.upstream_timeout,
      [&ctx, call, row, grant_id, idem_key](net::exchange_outcome out) mutable {
        const auto& app_id = call->identity.app_id();
        // Records the final answer under the key before it leaves.
        auto answer = [&](alter_error e) {
          if (!idem_key.empty())
            ctx.db.complete_idempotency(app_id, idem_key, http_status_of(e.code),
                                        error_envelope(e));
          call->fail(std::move(e));
        };
        if (!out.ok) {
          auto code = out.error.code == error_code::timeout
                          ? error_code::upstream_timeout
                          : error_code::upstream_unreachable;
          auto e = make_error(code, "the provider could not be reached: "
                                        + out.error.message);
          row.outcome = "error";
          row.error_code = std::string{name_of(code)};
          row.latency_ms = call->elapsed_ms();
          write_audit(ctx.db, row);
          if (!out.request_sent) {
            // The provider never saw it: a retry may execute it.
            if (!idem_key.empty())
              ctx.db.release_idempotency(app_id, idem_key);
            return call->fail(std::move(e));
          }
          return answer(std::move(e));
        }
        proxy_result result;
        result.status_code = out.response.status;
        for (auto& h : out.response.headers)
          if (std::none_of(std::begin(hop_by_hop), std::end(hop_by_hop),
                           [&](std::string_view x) { return iequals(h.name, x); }))
            result.headers.push_back(std::move(h));
        auto& raw = out.response.body;
        if (raw.size() > ctx.max_proxy_body) {
          raw.resize(ctx.max_proxy_body);
          result.body_truncated = true;
        }
        result.body_b64 = base64_encode(raw);
        row.outcome = "success";
        row.status_code = result.status_code;
        row.latency_ms = call->elapsed_ms();
        if (!write_audit(ctx.db, row))
          return answer(make_error(error_code::audit_write_failed,
                                   "the audit row could not be written"));
        ctx.db.touch_grant(grant_id, now_iso8601());
        auto body = to_json(result);
        if (!idem_key.empty())
          ctx.db.complete_idempotency(app_id, idem_key, 200, body);
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
