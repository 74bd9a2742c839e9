// The audit trail through the API: reading it by a created_at cursor, and the
// SDK's reports of retrieve-mode provider calls (which only the SDK sees end).
#include "alter/backend/routes/routes.hpp"

#include <charconv>
#include <stdexcept>

#include <boost/json.hpp>

#include "alter/auth/scope.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/traceparent.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

constexpr int64_t max_page = 1000;
constexpr std::size_t max_reports = 500;

/// The form the backend writes created_at in: "YYYY-MM-DDTHH:MM:SS.mmmZ". Only
/// that compares with the stored text in time order.
bool is_created_at(std::string_view t) {
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (t.size() != shape.size())
    return false;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
      return false;
  auto two = [&](std::size_t at) { return (t[at] - '0') * 10 + (t[at + 1] - '0'); };
  return two(5) >= 1 && two(5) <= 12 && two(8) >= 1 && two(8) <= 31 && two(11) <= 23
         && two(14) <= 59 && two(17) <= 60;
}

/// "created_at#sequence", a bare created_at, or nothing (from the start) into its
/// two parts; false for anything else.
bool parse_cursor(const std::string& text, std::string& created_at, int64_t& sequence) {
  auto hash = text.find('#');
  created_at = text.substr(0, hash);
  sequence = 0;
  if (text.empty())
    return true;
  if (!is_created_at(created_at))
    return false;
  if (hash == std::string::npos)
    return true;
  auto digits = std::string_view{text}.substr(hash + 1);
  auto [ptr, ec]
      = std::from_chars(digits.data(), digits.data() + digits.size(), sequence);
  return !digits.empty() && ec == std::errc{} && ptr == digits.data() + digits.size()
         && sequence >= 0;
}

field_list fields_of_json(const std::string& text) {
  field_list out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object())
    return out;
  for (const auto& kv : v.get_object())
    out.push_back({std::string{kv.key()}, kv.value().is_string()
                                              ? std::string{kv.value().get_string()}
                                              : boost::json::serialize(kv.value())});
  return out;
}

audit_entry entry_of(audit_record r) {
  audit_entry e;
  e.created_at = std::move(r.created_at);
  e.request_id = std::move(r.request_id);
  e.action = std::move(r.action);
  e.outcome = std::string{to_string(r.outcome)};
  e.app_id = std::move(r.app_id);
  e.agent_id = std::move(r.agent_id);
  e.api_key_id = std::move(r.api_key_id);
  e.caller_key_prefix = std::move(r.caller_key_prefix);
  e.caller = std::move(r.caller);
  e.caller_type = std::move(r.caller_type);
  e.grant_id = std::move(r.grant_id);
  e.provider_id = std::move(r.provider_id);
  e.principal_type = std::move(r.principal_type);
  e.grant_kind = std::move(r.grant_kind);
  e.method = std::move(r.method);
  e.url = std::move(r.url);
  e.status_code = r.status_code;
  e.error_code = std::move(r.error_code);
  e.reason = std::move(r.reason);
  e.context = fields_of_json(r.context_json);
  e.run_id = std::move(r.run_id);
  e.thread_id = std::move(r.thread_id);
  e.tool_call_id = std::move(r.tool_call_id);
  e.latency_ms = r.latency_ms;
  e.approval_id = std::move(r.approval_id);
  e.decided_by = std::move(r.decided_by);
  e.trace = fields_of_json(r.trace_json);
  // What the database holds is shown only when it is a traceparent.
  if (is_valid_traceparent(r.traceparent))
    e.traceparent = std::move(r.traceparent);
  e.request_headers = fields_of_json(r.request_headers_json);
  e.request_body = std::move(r.request_body);
  e.body_truncated = r.body_truncated;
  return e;
}

void query(backend_context& ctx, const api_call_ptr& call) {
  const auto& target = call->request.target;
  std::string after_time;
  int64_t after_sequence = 0;
  if (!parse_cursor(net::query_param(target, "after").value_or(""), after_time,
                    after_sequence))
    return call->fail(make_error(error_code::invalid_request,
                                 "after must be a cursor (created_at#sequence) or a "
                                 "created_at"));
  int64_t limit = 100;
  if (auto text = net::query_param(target, "limit")) {
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc{} || ptr != text->data() + text->size() || limit < 1
        || limit > max_page)
      return call->fail(
          make_error(error_code::invalid_request, "limit must be 1-1000"));
  }
  auto rows
      = ctx.db.audit().page(call->identity.app_id(), after_time, after_sequence, limit);
  audit_page page;
  page.next_cursor = net::query_param(target, "after").value_or("");
  if (!rows.empty())
    page.next_cursor
        = rows.back().created_at + "#" + std::to_string(rows.back().sequence);
  page.rows.reserve(rows.size());
  for (auto& r : rows)
    page.rows.push_back(entry_of(std::move(r)));
  call->reply(200, to_json(page));
}

void report(backend_context& ctx, const api_call_ptr& call) {
  auto batch = from_json<provider_call_reports>(call->request.body);
  if (!batch)
    return call->fail(from_caf_error(batch.error()));
  if (batch->events.empty() || batch->events.size() > max_reports)
    return call->fail(
        make_error(error_code::invalid_request, "send 1 to 500 events per request"));
  // Check every event first: a batch is written whole or not at all.
  for (const auto& ev : batch->events) {
    auto grant = ctx.db.grants().find(ev.grant_id);
    if (!grant || !may_use(ctx.db, call->identity, *grant))
      return call->fail(make_error(error_code::grant_not_found,
                                   "an event names a grant this caller cannot use"));
  }
  bool written = true;
  try {
    {
      auto tx = ctx.db.begin();
      for (const auto& ev : batch->events) {
        auto row = audit_row(*call, "provider_call.reported");
        row.grant_id = ev.grant_id;
        if (auto grant = tx.grants().find(ev.grant_id))
          record_grant(row, *grant);
        row.method = ev.method.substr(0, 16);
        row.url = ev.url.substr(0, 2048);
        row.status_code = ev.status_code;
        row.error_code = ev.error_code.substr(0, 64);
        row.outcome = !ev.error_code.empty() || ev.status_code >= 400
                          ? audit_outcome::error
                          : audit_outcome::success;
        row.latency_ms = ev.latency_ms;
        row.reason = ev.reason.substr(0, 1000);
        if (!ev.run_id.empty())
          row.run_id = ev.run_id.substr(0, 200);
        if (!ev.thread_id.empty())
          row.thread_id = ev.thread_id.substr(0, 200);
        if (!ev.tool_call_id.empty())
          row.tool_call_id = ev.tool_call_id.substr(0, 200);
        // The reported call's own trace, not the report batch's.
        row.traceparent
            = is_valid_traceparent(ev.traceparent) ? ev.traceparent : std::string{};
        written = written && write_audit(tx, row);
      }
      if (!written)
        throw std::runtime_error{"audit write failed"};
      tx.commit();
    }
  } catch (const std::exception&) {
    return call->fail(
        make_error(error_code::audit_write_failed, "the reports could not be written"));
  }
  call->reply(202, "{\"accepted\":" + std::to_string(batch->events.size()) + "}");
}

} // namespace

void add_audit_routes(router& routes, backend_context& ctx) {
  routes.add({
      route{"GET", "/v1/audit", scopes::audit_logs_read,
            [&ctx](const api_call_ptr& call) { query(ctx, call); }},
      route{"POST", "/v1/audit/events", scopes::audit_emit,
            [&ctx](const api_call_ptr& call) { report(ctx, call); }}
          .checking_key_scope_only(),
  });
}

} // namespace alter::backend
