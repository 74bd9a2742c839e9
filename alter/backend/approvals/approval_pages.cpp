#include "alter/backend/approvals/approval_pages.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "alter/auth/crypto.hpp"
#include "alter/backend/approvals/approval_desk.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/http/cookies.hpp"
#include "alter/backend/http/html_page.hpp"
#include "alter/backend/http/page_origin.hpp"
#include "alter/backend/http/time_words.hpp"
#include "alter/backend/routes/routes.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/validation.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

constexpr std::string_view cookie_name = "alter_approver";

/// The session cookie's attributes; `max_age` 0 clears it.
std::string session_cookie(const approval_page_options& options,
                           const std::string& value, std::chrono::seconds max_age) {
  return std::string{cookie_name} + "=" + value
         + "; Path=/approvals; HttpOnly; SameSite=Strict; Max-Age="
         + std::to_string(max_age.count()) + (options.secure_cookies ? "; Secure" : "");
}

std::string session_token(const server_request& req) {
  return cookie_value(req, cookie_name);
}

/// The list of the signed-in approver's pending approvals.
constexpr std::string_view pending_list = "pending";
constexpr std::size_t max_listed = 200;

/// Where a sign-in or a sign-out leads back to: an approval, or the list.
bool is_page_target(std::string_view next) {
  return next == pending_list || is_approval_id(next);
}

std::optional<approver_session> signed_in(backend_context& ctx,
                                          const server_request& req) {
  auto token = session_token(req);
  if (token.empty() || token.size() > 128)
    return std::nullopt;
  return ctx.db.approvals().find_approver_session(crypto::sha256_hex(token),
                                                  now_iso8601());
}

http_response login_form(const std::string& next, const std::string& problem = {}) {
  std::string body;
  if (!problem.empty())
    body += "<p role=\"alert\"><strong>" + escape_html(problem) + "</strong></p>";
  body += next == pending_list
              ? "<p>Sign in with your approver token to see the requests waiting for "
                "you.</p>"
              : "<p>Sign in with your approver token to review this request.</p>";
  body += "<form method=\"post\" action=\"/approvals/login\">"
          "<input type=\"hidden\" name=\"next\" value=\""
          + escape_html(next)
          + "\"><label>Approver token <input type=\"password\" name=\"token\" "
            "id=\"token\" autocomplete=\"off\" required></label> "
            "<button type=\"submit\" id=\"sign-in\">Sign in</button></form>";
  return page(problem.empty() ? 200 : 401, "Approver sign-in", body);
}

std::string row(const char* name, const std::string& value) {
  if (value.empty())
    return {};
  return std::string{"<tr><th>"} + name + "</th><td>" + escape_html(value)
         + "</td></tr>";
}

/// "2026-12-04T19:20:00.000Z (in 9 min)".
std::string with_time_from_now(const std::string& iso) {
  auto words = time_from_now(iso);
  return words.empty() ? iso : iso + " (" + words + ")";
}

/// "Signed in as ..." with a sign-out button; `next` is where sign-out leads.
std::string signed_in_banner(const approver_session& who, const std::string& next) {
  return "<form method=\"post\" action=\"/approvals/logout\"><p>Signed in as "
         + escape_html(who.approver_name)
         + ". <a href=\"/approvals/pending\" id=\"pending-list\">Your pending "
           "approvals</a> <input type=\"hidden\" name=\"csrf\" value=\""
         + escape_html(who.csrf_token)
         + "\"><input type=\"hidden\" name=\"next\" value=\"" + escape_html(next)
         + "\"><button type=\"submit\" id=\"sign-out\">Sign out</button></p></form>";
}

/// One gate: its rule, approvers and state and, while both it and the call
/// are pending and `who` may decide it, the decision forms. The first gate's
/// elements keep the ids of a page with one gate ("approve", "reason-deny").
std::string gate_section(const approval_record& a, const gate_record& g,
                         std::size_t index, std::size_t count,
                         const approver_session& who) {
  const auto n = std::to_string(index + 1);
  const auto suffix = index == 0 ? std::string{} : "-" + n;
  std::string approvers;
  for (const auto& name : g.approval.approvers)
    approvers += (approvers.empty() ? "" : ", ") + name;
  std::string out
      = "<section id=\"gate-" + n + "\"><h2>Gate " + n + " of " + std::to_string(count)
        + ": "
        + escape_html(g.rule_name.empty() ? "the client's constraint rule"
                                          : "rule " + g.rule_name)
        + "</h2><p>Approvers: "
        + escape_html(approvers.empty() ? "any approver of the app" : approvers)
        + ". Status: <strong id=\"gate-" + n + "-status\">"
        + escape_html(to_string(g.status)) + "</strong>";
  if (!g.decided_by.empty())
    out += ", by " + escape_html(g.decided_by)
           + (g.decision_reason.empty() ? std::string{}
                                        : ": " + escape_html(g.decision_reason));
  out += ".</p>";
  if (a.status != approval_state::pending || g.status != approval_state::pending)
    return out + "</section>";
  if (!g.approval.admits(who.approver_name))
    return out + "<p>You are not an approver of this gate.</p></section>";
  // One note for either decision: the button pressed says which.
  return out + "<form method=\"post\" action=\"/approvals/" + a.id
         + "/decision\"><input type=\"hidden\" name=\"csrf\" value=\""
         + escape_html(who.csrf_token)
         + "\"><input type=\"hidden\" name=\"gate\" value=\"" + n
         + "\"><p><label>Note (optional, kept with the decision) <input "
           "name=\"reason\" maxlength=\"1000\" id=\"reason"
         + suffix
         + "\"></label></p><button type=\"submit\" name=\"decision\" "
           "value=\"approve\" id=\"approve"
         + suffix
         + "\">Approve</button> <button type=\"submit\" name=\"decision\" "
           "value=\"deny\" id=\"deny"
         + suffix + "\">Deny</button></form></section>";
}

http_response approval_view(backend_context& ctx, const approval_record& a,
                            const approver_session& who) {
  std::string agent_name;
  if (auto agent = ctx.db.accounts().find_agent(a.agent_id))
    agent_name = agent->name + " (" + agent->id + ")";
  std::string body = signed_in_banner(who, a.id) + "<p>Status: <strong id=\"status\">"
                     + escape_html(to_string(a.status)) + "</strong></p><table>";
  body += row("Method", a.method);
  // What the call would send: the URL as the audit shows it (credential-like
  // query values redacted) and the start of the body. Credentials are injected
  // at execution, so none is here to show.
  body += row("URL", redact_url(a.url));
  if (auto req = from_json<proxy_request>(a.request_json)) {
    auto payload = base64_decode(req->body_b64).value_or(std::string{});
    if (payload.size() > 2000)
      payload = payload.substr(0, 2000) + " [...]";
    body += row("Body", payload);
  }
  body += row("Reason", a.reason);
  if (auto app = ctx.db.accounts().find_app(a.app_id))
    body += row("App", app->name);
  body += row("Caller", a.caller);
  body += row("Caller type", a.caller_type);
  body += row("Agent", agent_name.empty() ? a.agent_id : agent_name);
  body += row("Provider", a.provider_id);
  body += row("Grant", a.grant_id);
  body += row("Run", a.run_id);
  body += row("Thread", a.thread_id);
  body += row("Tool call", a.tool_call_id);
  body += row("Requested", with_time_from_now(a.created_at));
  body += row("Expires", with_time_from_now(a.expires_at));
  body += row("Decided by", a.decided_by);
  body += row("Decision reason", a.decision_reason);
  if (a.status == approval_state::executed || a.status == approval_state::failed)
    body += row("Provider status", std::to_string(a.result_status));
  body += "</table>";
  auto gates = gates_of(a);
  if (!gates)
    return page(200, "Approval " + a.id,
                body
                    + "<p role=\"alert\">This call's gates cannot be read: nobody can "
                      "decide it, and it will expire.</p>");
  for (std::size_t i = 0; i < gates->size(); ++i)
    body += gate_section(a, (*gates)[i], i, gates->size(), who);
  return page(200, "Approval " + a.id, body);
}

void login(backend_context& ctx, const approval_page_options& options,
           const server_request& req, const responder& respond) {
  auto form = form_fields(req.body);
  auto next = field_or_empty(form, "next");
  if (!is_page_target(next))
    return respond(page(400, "Bad request", "<p>Unknown approval.</p>"));
  auto token = field_or_empty(form, "token");
  auto approver
      = token.empty() || token.size() > 256
            ? std::nullopt
            : ctx.db.approvals().find_approver_by_token_hash(crypto::sha256_hex(token));
  if (!approver)
    return respond(login_form(next, "That is not an approver token."));
  auto session = crypto::random_hex(32);
  ctx.db.approvals().insert_approver_session(crypto::sha256_hex(session), approver->id,
                                             crypto::random_hex(16),
                                             now_iso8601(options.session_lifetime));
  respond(redirect("/approvals/" + next,
                   session_cookie(options, session, options.session_lifetime)));
}

/// Ends the session in the store (the chain checked the form's CSRF token) and
/// clears the cookie; without a session there is nothing to end.
void logout(backend_context& ctx, const approval_page_options& options,
            const api_call& call) {
  const auto& req = call.request;
  const auto& respond = call.respond;
  auto form = form_fields(req.body);
  if (call.approver)
    ctx.db.approvals().delete_approver_session(crypto::sha256_hex(session_token(req)));
  auto clear = session_cookie(options, "", std::chrono::seconds{0});
  auto next = field_or_empty(form, "next");
  if (is_page_target(next))
    return respond(redirect("/approvals/" + next, std::move(clear)));
  auto res = page(200, "Signed out", "<p id=\"outcome\">You are signed out.</p>");
  res.headers.push_back({"Set-Cookie", std::move(clear)});
  respond(std::move(res));
}

/// The chain made sure of the approver and the form's CSRF token.
void decide(backend_context& ctx, const api_call& call) {
  const auto& id = call.params.at("id");
  const auto& who = call.approver;
  const auto& respond = call.respond;
  auto form = form_fields(call.request.body);
  auto decision = field_or_empty(form, "decision");
  if (decision != "approve" && decision != "deny")
    return respond(page(400, "Bad request", "<p>Approve or deny.</p>"));
  // Which gate, counted from 1 as the page shows them; none: the one gate the
  // approver may decide.
  std::optional<std::size_t> gate;
  if (auto text = field_or_empty(form, "gate"); !text.empty()) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n == 0
        || n > max_gates)
      return respond(page(400, "Bad request", "<p>No such gate.</p>"));
    gate = n - 1;
  }
  auto done = ctx.approvals->decide(id, gate, decision == "approve", *who,
                                    field_or_empty(form, "reason"));
  if (!done) {
    auto e = from_caf_error(done.error());
    auto status
        = e.code == error_code::approval_not_found || e.code == error_code::not_found
              ? 404
          : e.code == error_code::policy_denied ? 403
                                                : 409;
    return respond(
        page(status, "Not decided", "<p>" + escape_html(e.message) + "</p>"));
  }
  respond(redirect("/approvals/" + id));
}

/// The gates of `a` that `who` may decide now.
std::size_t gates_for(const approval_record& a, const approver_session& who,
                      std::string& rules) {
  auto gates = gates_of(a);
  if (!gates)
    return 0;
  std::size_t mine = 0;
  for (const auto& g : *gates) {
    if (g.status != approval_state::pending || !g.approval.admits(who.approver_name))
      continue;
    ++mine;
    rules += (rules.empty() ? "" : ", ")
             + (g.rule_name.empty() ? std::string{"the client's constraint rule"}
                                    : g.rule_name);
  }
  return mine;
}

/// GET /approvals/pending: the calls of the approver's app waiting for a gate
/// this approver may decide, oldest first.
void pending_view(backend_context& ctx, const api_call& call) {
  if (!call.approver)
    return call.respond(login_form(std::string{pending_list}));
  const auto& who = *call.approver;
  std::string rows;
  std::size_t shown = 0;
  for (const auto& a :
       ctx.db.approvals().pending_of_app(who.app_id, now_iso8601(), max_listed)) {
    std::string rules;
    if (gates_for(a, who, rules) == 0)
      continue;
    ++shown;
    rows += "<tr><td><a href=\"/approvals/" + a.id + "\">" + escape_html(a.method) + " "
            + escape_html(redact_url(a.url)) + "</a></td><td>" + escape_html(a.reason)
            + "</td><td>" + escape_html(rules) + "</td><td>"
            + escape_html(time_from_now(a.created_at)) + "</td><td>"
            + escape_html(with_time_from_now(a.expires_at)) + "</td></tr>";
  }
  std::string app_name = who.app_id;
  if (auto app = ctx.db.accounts().find_app(who.app_id))
    app_name = app->name;
  auto body = signed_in_banner(who, std::string{pending_list})
              + "<p>Requests of <strong>" + escape_html(app_name)
              + "</strong> waiting for your decision: <strong "
              + "id=\"pending-count\">" + std::to_string(shown) + "</strong>.</p>";
  if (shown > 0)
    body += "<table id=\"pending\"><tr><th>Request</th><th>Reason</th><th>Held "
            "by</th><th>Requested</th><th>Expires</th></tr>"
            + rows + "</table>";
  call.respond(page(200, "Pending approvals", body));
}

/// GET /approvals/{id}: the held request and, while pending, the decision forms.
void view(backend_context& ctx, const api_call& call) {
  const auto& id = call.params.at("id");
  const auto& who = *call.approver;
  auto a = ctx.approvals->current(id);
  // Signed in as someone else (another app's approver): say so, and offer the
  // way out.
  if (!a || a->app_id != who.app_id)
    return call.respond(
        page(404, "Not found", signed_in_banner(who, id) + "<p>No such approval.</p>"));
  call.respond(approval_view(ctx, *a, who));
}

/// After routing: the session from the cookie, the sign-in form for a
/// signed-out visitor of an approval, the CSRF token of every other form.
bool approver_checked(backend_context& ctx, const api_call_ptr& call) {
  const auto& r = *call->matched;
  if (r.approver == approver_access::starts_session)
    return true;
  call->approver = signed_in(ctx, call->request);
  if (r.approver == approver_access::signed_in) {
    const auto& id = call->params.at("id");
    if (!is_approval_id(id)) {
      call->respond(page(404, "Not found", "<p>No such approval.</p>"));
      return false;
    }
    if (!call->approver) {
      call->respond(login_form(id));
      return false;
    }
  }
  if (call->approver && is_state_changing(call->request.method)
      && !crypto::constant_time_equals(
          field_or_empty(form_fields(call->request.body), "csrf"),
          call->approver->csrf_token)) {
    call->respond(page(403, "Forbidden", "<p>The form is stale; reload the page.</p>"));
    return false;
  }
  return true;
}

} // namespace

route_group_spec approval_page_group(backend_context& ctx,
                                     const std::string& own_origin) {
  route_group_spec g;
  g.group = route_group::approval_pages;
  g.prefixes = {"/approvals/"};
  g.before_routing
      = {[&own_origin](const api_call_ptr& call) {
           auto refusal = cross_origin_form_refusal(call->request, own_origin);
           if (refusal)
             call->respond(std::move(*refusal));
           return !refusal;
         },
         // Requests that come before the desk exists (the server listens first).
         [&ctx](const api_call_ptr& call) {
           if (ctx.approvals != nullptr)
             return true;
           call->respond(no_such_endpoint());
           return false;
         }};
  g.no_route = [](const api_call_ptr& call, bool) {
    auto rest = net::path_of(call->request.target).substr(11); // "/approvals/"
    auto id = std::string{rest.substr(0, rest.find('/'))};
    call->respond(is_approval_id(id)
                      ? page(404, "Not found", "<p>No such page.</p>")
                      : page(404, "Not found", "<p>No such approval.</p>"));
  };
  g.after_routing
      = {[&ctx](const api_call_ptr& call) { return approver_checked(ctx, call); }};
  g.body = body_format::form;
  g.fail = [](const api_call_ptr& call, const alter_error& e) {
    call->respond(error_page(e));
  };
  return g;
}

void add_approval_page_routes(router& routes, backend_context& ctx,
                              const approval_page_options& options) {
  constexpr auto group = route_group::approval_pages;
  routes.add({
      // Before /approvals/{id}: the first route that matches serves.
      route{"GET",
            "/approvals/pending",
            {},
            [&ctx](const api_call_ptr& call) { pending_view(ctx, *call); }}
          .in(group),
      route{"GET",
            "/approvals/{id}",
            {},
            [&ctx](const api_call_ptr& call) { view(ctx, *call); }}
          .in(group)
          .with(approver_access::signed_in),
      route{"POST",
            "/approvals/login",
            {},
            [&ctx, &options](const api_call_ptr& call) {
              login(ctx, options, call->request, call->respond);
            }}
          .in(group)
          .with(approver_access::starts_session),
      route{"POST",
            "/approvals/logout",
            {},
            [&ctx, &options](const api_call_ptr& call) { logout(ctx, options, *call); }}
          .in(group),
      route{"POST",
            "/approvals/{id}/decision",
            {},
            [&ctx](const api_call_ptr& call) { decide(ctx, *call); }}
          .in(group)
          .with(approver_access::signed_in),
  });
}

} // namespace alter::backend
