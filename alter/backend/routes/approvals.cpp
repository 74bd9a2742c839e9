// Clients follow their held calls: the state (with a bounded long-poll) and,
// once executed, the provider's answer.
#include "alter/backend/routes/routes.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include "alter/auth/scope.hpp"
#include "alter/backend/approvals/approval_desk.hpp"
#include "alter/messages/approvals.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

constexpr int64_t max_wait_seconds = 30;

approval_status status_of(const approval_desk& desk, const approval_record& a) {
  approval_status s;
  s.approval_id = a.id;
  s.status = std::string{to_string(a.status)};
  s.expires_at = a.expires_at;
  s.decided_at = a.decided_at;
  s.decision_reason = a.decision_reason;
  s.executed_at = a.executed_at;
  s.has_result
      = a.status == approval_state::executed || a.status == approval_state::failed;
  if (auto gates = gates_of(a))
    s.gates = desk.gate_views(a.id, *gates);
  return s;
}

/// The approval when the caller may see it: same app, and an agent only its own.
std::optional<approval_record> visible(backend_context& ctx, const api_call& call) {
  auto a = ctx.approvals->current(call.params.at("id"));
  if (!a || a->app_id != call.identity.app_id())
    return std::nullopt;
  if (call.identity.agent && a->agent_id != call.identity.agent->id)
    return std::nullopt;
  return a;
}

/// The whole number in `text` when it lies in [0, max].
std::optional<int64_t> bounded_number(std::string_view text, int64_t max) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size() || n < 0 || n > max)
    return std::nullopt;
  return n;
}

void get_status(backend_context& ctx, const api_call_ptr& call) {
  // How long to hold the answer for a change: ?wait= seconds, or ?wait_ms=
  // milliseconds, which lets a client end its wait at its own deadline.
  std::chrono::milliseconds wait{0};
  auto seconds = net::query_param(call->request.target, "wait");
  auto millis = net::query_param(call->request.target, "wait_ms");
  if (seconds && millis)
    return call->fail(
        make_error(error_code::invalid_request, "give wait or wait_ms, not both"));
  if (seconds) {
    auto n = bounded_number(*seconds, max_wait_seconds);
    if (!n)
      return call->fail(
          make_error(error_code::invalid_request, "wait must be 0 to 30 seconds"));
    wait = std::chrono::seconds{*n};
  } else if (millis) {
    auto n = bounded_number(*millis, max_wait_seconds * 1000);
    if (!n)
      return call->fail(make_error(error_code::invalid_request,
                                   "wait_ms must be 0 to 30000 milliseconds"));
    wait = std::chrono::milliseconds{*n};
  }
  auto a = visible(ctx, *call);
  if (!a)
    return call->fail(make_error(error_code::approval_not_found, "no such approval"));
  auto held = std::min<std::chrono::milliseconds>(wait, ctx.max_long_poll);
  ctx.approvals->wait(a->id, held, [&ctx, call](const approval_record& now) {
    call->reply(200, to_json(status_of(*ctx.approvals, now)));
  });
}

void get_result(backend_context& ctx, const api_call_ptr& call) {
  auto a = visible(ctx, *call);
  if (!a)
    return call->fail(make_error(error_code::approval_not_found, "no such approval"));
  if (a->status == approval_state::executed)
    return call->reply(200, a->result_json);
  if (a->status == approval_state::denied)
    return call->fail(make_error(
        error_code::approval_denied,
        "the approver denied the call"
            + (a->decision_reason.empty() ? std::string{}
                                          : ": " + a->decision_reason.substr(0, 200))));
  if (a->status == approval_state::expired)
    return call->fail(
        make_error(error_code::approval_expired, "nobody decided before it expired"));
  if (a->status == approval_state::failed) {
    auto cause
        = parse_error_envelope(static_cast<int>(a->result_status), a->result_json);
    return call->fail(
        make_error(error_code::approval_execution_failed,
                   "approved, but the execution failed: " + cause.message,
                   "{\"cause\":\"" + std::string{name_of(cause.code)} + "\"}"));
  }
  call->fail(make_error(error_code::invalid_request,
                        "the approval is still " + std::string{to_string(a->status)}
                            + ": no result yet"));
}

} // namespace

void add_approval_routes(router& routes, backend_context& ctx) {
  routes.add({
      route{"GET", "/v1/approvals/{id}", scopes::proxy_execute,
            [&ctx](const api_call_ptr& call) { get_status(ctx, call); }},
      route{"GET", "/v1/approvals/{id}/result", scopes::proxy_execute,
            [&ctx](const api_call_ptr& call) { get_result(ctx, call); }},
  });
}

} // namespace alter::backend
