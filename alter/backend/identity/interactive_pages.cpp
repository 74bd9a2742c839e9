// The pages a person completes: Connect consent (/connect/{token}) and sign-in
// at the local identity provider (/auth/{token}). The token in the URL is the
// only key to a session. Its pages name the app asking, what it will get and
// for how long (a person consents to that), and nothing else of the app.
#include "alter/backend/identity/interactive_sessions.hpp"

#include <algorithm>
#include <stdexcept>

#include "alter/auth/crypto.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/http/html_page.hpp"
#include "alter/backend/http/page_origin.hpp"
#include "alter/backend/http/time_words.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/identity/local_users.hpp"
#include "alter/backend/identity/sign_in_throttle.hpp"
#include "alter/backend/oauth/connect_flow.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/identity.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/utf8.hpp"

namespace alter::backend {

namespace {

http_response finished_page(const interactive_session_record& s) {
  return page(s.status == session_status::expired ? 410 : 409,
              "This request is " + std::string{to_string(s.status)},
              "<p>Nothing more to do here.</p>");
}

/// "the application <strong>Name</strong>": whom a person is consenting to.
std::string asking_app(backend_context& ctx, const interactive_session_record& s) {
  auto app = ctx.db.accounts().find_app(s.app_id);
  return "the application <strong id=\"app-name\">"
         + escape_html(app && !app->name.empty() ? app->name : s.app_id) + "</strong>";
}

/// How long the grants of a Connect session last, from its grant policy.
std::string grant_lifetime(const interactive_session_record& s) {
  auto req = from_json<connect_request>(s.request_json);
  auto until = req ? grant_expiry(req->grant_policy) : std::nullopt;
  if (!until || until->empty())
    return "until you or the application revoke it";
  auto left = time_from_now(*until);
  return "until " + *until + (left.empty() ? "" : " (" + left + ")")
         + ", unless revoked earlier";
}

/// The providers a Connect session offers (its allowed list, else all).
std::vector<provider_record> session_providers(backend_context& ctx,
                                               const interactive_session_record& s) {
  auto req = from_json<connect_request>(s.request_json);
  auto allowed = req ? req->allowed_providers : std::vector<std::string>{};
  std::vector<provider_record> out;
  for (auto& p : ctx.db.grants().list_providers())
    if (allowed.empty()
        || std::find(allowed.begin(), allowed.end(), p.id) != allowed.end())
      out.push_back(std::move(p));
  return out;
}

/// The page of a managed-secret session: one password field. The value is
/// never written back into a page, a log or an audit row.
http_response secret_form(backend_context& ctx, const std::string& token,
                          const interactive_session_record& s,
                          const std::string& provider_id,
                          const std::string& problem = {}) {
  std::string body;
  if (!problem.empty())
    body += "<p role=\"alert\"><strong>" + escape_html(problem) + "</strong></p>";
  body += "<p>" + asking_app(ctx, s)
          + " asks for your secret (an API key or token) for "
            "<strong>"
          + escape_html(provider_id)
          + "</strong>. It is stored encrypted and used only to call that provider "
            "for you, <span id=\"lifetime\">"
          + escape_html(grant_lifetime(s)) + "</span>.</p>";
  if (!s.agent_id.empty())
    if (auto agent = ctx.db.accounts().find_agent(s.agent_id))
      body += "<p>Its agent <strong>" + escape_html(agent->name)
              + "</strong> may use it on your behalf.</p>";
  body += "<form method=\"post\" action=\"/connect/" + escape_html(token)
          + "/decision\"><p><label>Secret <input type=\"password\" name=\"secret\" "
            "id=\"secret\" maxlength=\"4096\" autocomplete=\"off\"></label></p>"
            "<button name=\"decision\" value=\"approve\" id=\"approve\">Allow</button>"
            "<button name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></form>";
  return page(200, "Share a secret", body);
}

/// 1 to 4096 bytes of UTF-8, none of them control characters: the value is
/// later injected into a header or a JSON token answer.
bool is_secret_value(const std::string& v) {
  return !v.empty() && v.size() <= 4096 && is_valid_utf8(v)
         && std::none_of(v.begin(), v.end(), [](char c) {
              return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
            });
}

http_response connect_form(backend_context& ctx, const std::string& token,
                           const interactive_session_record& s,
                           const std::string& problem = {}) {
  std::string body;
  if (!problem.empty())
    body += "<p role=\"alert\"><strong>" + escape_html(problem) + "</strong></p>";
  body += "<p>" + asking_app(ctx, s) + " asks to use your account at:</p><ul>";
  auto providers = session_providers(ctx, s);
  bool any_static = false;
  for (const auto& p : providers) {
    auto name = p.display_name.empty() ? p.id : p.display_name + " (" + p.id + ")";
    body += "<li id=\"provider-" + escape_html(p.id) + "\">" + escape_html(name) + ": ";
    if (p.is_oauth()) {
      std::string scopes;
      for (const auto& scope : connect_scopes(p))
        scopes += (scopes.empty() ? "" : ", ") + scope;
      body += "the scopes <strong>" + escape_html(scopes) + "</strong>";
    } else {
      body += "the credential you enter below";
    }
    body += "</li>";
    any_static = any_static || !p.is_oauth();
  }
  body += "</ul><p>The access lasts <span id=\"lifetime\">"
          + escape_html(grant_lifetime(s)) + "</span>.</p>";
  if (!s.agent_id.empty())
    if (auto agent = ctx.db.accounts().find_agent(s.agent_id))
      body += "<p>Its agent <strong>" + escape_html(agent->name)
              + "</strong> may use the connection on your behalf.</p>";
  auto action = "/connect/" + escape_html(token) + "/decision";
  // An OAuth provider asks the person itself, on its own page.
  for (const auto& p : providers)
    if (p.is_oauth())
      body += "<form method=\"post\" action=\"" + action
              + "\"><input type=\"hidden\" name=\"provider\" value=\""
              + escape_html(p.id)
              + "\"><button name=\"decision\" value=\"authorize\" id=\"authorize-"
              + escape_html(p.id) + "\">Continue to " + escape_html(p.id)
              + "</button></form>";
  body += "<form method=\"post\" action=\"" + action + "\">";
  if (any_static)
    body += "<p><label>Your account <input name=\"account\" "
            "maxlength=\"128\" autocomplete=\"username\"></label></p>"
            "<button name=\"decision\" value=\"approve\" id=\"approve\">Allow</button>";
  body += "<button name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></form>";
  auto res = page(200, "Connect your account", body);
  // "Continue to" answers with a redirect to the provider's authorization page.
  for (const auto& p : providers)
    if (p.is_oauth())
      allow_form_redirect_to(res, p.oauth_authorize_url);
  return res;
}

void connect_pages(backend_context& ctx, const std::string& token, bool decision,
                   const server_request& req, const responder& respond) {
  auto s = find_live_session(ctx, token, session_kind::connect);
  if (!s)
    return respond(page(404, "Unknown link", "<p>This link is not valid.</p>"));
  if (s->status != session_status::pending)
    return respond(finished_page(*s));
  auto request = from_json<connect_request>(s->request_json);
  auto secret_provider = request ? request->secret_provider : std::string{};
  if (!decision || req.method != "POST") {
    if (req.method != "GET")
      return respond(page(405, "Not allowed", ""));
    return respond(secret_provider.empty()
                       ? connect_form(ctx, token, *s)
                       : secret_form(ctx, token, *s, secret_provider));
  }
  auto form = form_fields(req.body);
  auto choice = field_or_empty(form, "decision");
  if (!secret_provider.empty() && choice != "deny") {
    if (choice != "approve")
      return respond(
          secret_form(ctx, token, *s, secret_provider, "Choose Allow or Deny."));
    auto secret = field_or_empty(form, "secret");
    if (!is_secret_value(secret))
      return respond(secret_form(ctx, token, *s, secret_provider,
                                 "Enter the secret: 1 to 4096 characters, no line "
                                 "breaks or control characters."));
    try {
      if (!approve_managed_secret(ctx, *s, secret))
        return respond(
            page(409, "Already decided", "<p>This request was already decided.</p>"));
    } catch (const std::invalid_argument&) {
      return respond(page(500, "Connect failed", "<p>The session is unreadable.</p>"));
    }
    return respond(page(200, "Secret stored",
                        "<p id=\"outcome\">Your secret is stored. You can close this "
                        "page.</p>"));
  }
  if (choice == "deny") {
    if (!deny_connect(ctx, *s))
      return respond(page(409, "Already decided", ""));
    return respond(page(200, "Not connected",
                        "<p id=\"outcome\">Nothing was shared. You can close this "
                        "page.</p>"));
  }
  if (choice == "authorize") {
    auto wanted = field_or_empty(form, "provider");
    for (const auto& p : session_providers(ctx, *s))
      if (p.is_oauth() && p.id == wanted)
        return respond(begin_authorization(ctx, *s, p));
    return respond(connect_form(ctx, token, *s, "Choose one of the providers."));
  }
  auto account = field_or_empty(form, "account");
  if (choice != "approve")
    return respond(connect_form(ctx, token, *s, "Choose Allow or Deny."));
  // Allow here only makes grants of providers without their own consent: a
  // session of OAuth providers only (every re-authorisation) is not ended by it.
  auto offered = session_providers(ctx, *s);
  if (std::none_of(offered.begin(), offered.end(),
                   [](const provider_record& p) { return !p.is_oauth(); }))
    return respond(connect_form(ctx, token, *s,
                                "Continue to the provider to connect your account."));
  if (!is_account_name(account))
    return respond(connect_form(ctx, token, *s,
                                "Enter your account: letters, digits and @ . _ + -"));
  try {
    if (!approve_connect(ctx, *s, account))
      return respond(
          page(409, "Already decided", "<p>This request was already decided.</p>"));
  } catch (const std::invalid_argument&) {
    return respond(page(500, "Connect failed", "<p>The session is unreadable.</p>"));
  }
  respond(page(200, "Connected",
               "<p id=\"outcome\">Your account is connected. You can close this "
               "page.</p>"));
}

http_response sign_in_form(backend_context& ctx, const interactive_session_record& s,
                           const std::string& token, bool open_sign_in,
                           const std::string& problem = {}, int status = 200) {
  std::string body;
  if (!problem.empty())
    body += "<p role=\"alert\"><strong>" + escape_html(problem) + "</strong></p>";
  body += "<p>Sign in to " + asking_app(ctx, s)
          + " with <strong id=\"idp\">the Alter backend's own identity "
            "provider</strong> "
            "(issuer <code>"
          + escape_html(identity_provider::issuer)
          + "</code>): the user accounts this backend keeps. The application learns "
            "who you are, never your password.</p>";
  if (open_sign_in)
    body += "<p><strong>Development sign-in:</strong> any user name, no "
            "password.</p>";
  body += "<form method=\"post\" action=\"/auth/" + escape_html(token)
          + "/decision\"><p><label>User name <input name=\"username\" "
            "id=\"username\" maxlength=\"128\" autocomplete=\"username\"></label></p>";
  if (!open_sign_in)
    body += "<p><label>Password <input type=\"password\" name=\"password\" "
            "id=\"password\" maxlength=\"1024\" "
            "autocomplete=\"current-password\"></label></p>";
  body += "<button id=\"sign-in\">Sign in</button></form>";
  return page(status, "Sign in", body);
}

/// The password check, throttled per user name and client address. One answer
/// for an unknown name and a wrong password; the password is never logged,
/// echoed or audited.
std::optional<http_response>
refuse_password(backend_context& ctx, const std::string& token,
                const interactive_session_record& s, const std::string& username,
                const std::string& password, const std::string& client_ip) {
  auto& failures = *ctx.sign_in_failures;
  if (auto wait = failures.wait_seconds(username, client_ip); wait > 0) {
    auto res = sign_in_form(ctx, s, token, false,
                            "Too many failed sign-ins. Try again in "
                                + std::to_string(wait) + " seconds.",
                            429);
    res.headers.push_back({"Retry-After", std::to_string(wait)});
    return res;
  }
  if (check_local_user(ctx.db, username, password)) {
    failures.succeeded(username, client_ip);
    return std::nullopt;
  }
  failures.failed(username, client_ip);
  record_failed_sign_in(ctx, s);
  return sign_in_form(ctx, s, token, false, "Wrong user name or password.", 401);
}

void auth_pages(backend_context& ctx, const std::string& token, bool decision,
                const server_request& req, const responder& respond) {
  auto s = find_live_session(ctx, token, session_kind::auth);
  if (!s)
    return respond(page(404, "Unknown link", "<p>This link is not valid.</p>"));
  if (s->status != session_status::pending)
    return respond(finished_page(*s));
  if (!decision || req.method != "POST")
    return respond(req.method == "GET" ? sign_in_form(ctx, *s, token, ctx.open_sign_in)
                                       : page(405, "Not allowed", ""));
  if (ctx.idp == nullptr || ctx.sign_in_failures == nullptr)
    return respond(page(500, "Unavailable", "<p>No identity provider.</p>"));
  auto form = form_fields(req.body);
  auto username = field_or_empty(form, "username");
  if (ctx.open_sign_in) {
    if (!is_account_name(username))
      return respond(sign_in_form(ctx, *s, token, true,
                                  "User names are letters, digits and @ . _ + -"));
  } else if (auto refused
             = refuse_password(ctx, token, *s, username,
                               field_or_empty(form, "password"), req.client_ip)) {
    return respond(std::move(*refused));
  }
  if (!complete_sign_in(ctx, *s, username))
    return respond(page(409, "Already signed in", ""));
  respond(page(200, "Signed in",
               "<p id=\"outcome\">You are signed in. You can close this page.</p>"));
}

} // namespace

route_group_spec interactive_page_group(const std::string& own_origin) {
  route_group_spec g;
  g.group = route_group::interactive_pages;
  g.prefixes = {"/connect/", "/auth/"};
  g.before_routing = {[&own_origin](const api_call_ptr& call) {
    auto refusal = cross_origin_form_refusal(call->request, own_origin);
    if (refusal)
      call->respond(std::move(*refusal));
    return !refusal;
  }};
  g.no_route = [](const api_call_ptr& call, bool path_known) {
    call->respond(path_known
                      ? page(405, "Not allowed", "")
                      : page(404, "Unknown link", "<p>This link is not valid.</p>"));
  };
  g.body = body_format::form;
  g.fail = [](const api_call_ptr& call, const alter_error& e) {
    call->respond(error_page(e));
  };
  return g;
}

void add_interactive_page_routes(router& routes, backend_context& ctx) {
  using page_fn = void (*)(backend_context&, const std::string&, bool,
                           const server_request&, const responder&);
  // GET shows the page; POST to /decision decides. Any other method on these
  // paths is the group's 405.
  auto serve = [&ctx](page_fn fn, bool decision) {
    return [&ctx, fn, decision](const api_call_ptr& call) {
      fn(ctx, call->params.at("token"), decision, call->request, call->respond);
    };
  };
  constexpr auto group = route_group::interactive_pages;
  routes.add({
      // Before /connect/{token}: the provider sends the browser back here.
      route{"GET",
            connect_callback_path,
            {},
            [&ctx](const api_call_ptr& call) {
              finish_authorization(ctx, call->request, call->respond);
            }}
          .in(group),
      route{"GET", "/connect/{token}", {}, serve(connect_pages, false)}.in(group),
      route{"POST", "/connect/{token}/decision", {}, serve(connect_pages, true)}.in(
          group),
      route{"GET", "/auth/{token}", {}, serve(auth_pages, false)}.in(group),
      route{"POST", "/auth/{token}/decision", {}, serve(auth_pages, true)}.in(group),
  });
}

} // namespace alter::backend
