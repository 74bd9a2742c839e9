// The pages a person completes: Connect consent (/connect/{token}) and sign-in
// at the local identity provider (/auth/{token}). The token in the URL is the
// only key to a session; its pages show nothing else of the app.
#include "backend/identity/interactive_sessions.hpp"

#include <algorithm>
#include <stdexcept>

#include "auth/crypto.hpp"
#include "backend/access/grant_access.hpp"
#include "backend/bootstrap.hpp"
#include "backend/http/html_page.hpp"
#include "backend/identity/identity_provider.hpp"
#include "backend/identity/local_users.hpp"
#include "backend/identity/sign_in_throttle.hpp"
#include "messages/connect.hpp"
#include "messages/identity.hpp"
#include "messages/json_codec.hpp"

namespace alter::backend {

std::string new_session_token(const char* prefix) {
  return prefix + crypto::random_hex(24);
}

std::optional<interactive_session_record>
find_live_session(backend_context& ctx, const std::string& token, const char* kind) {
  if (token.size() > 128)
    return std::nullopt;
  auto s = ctx.db.sessions().find(crypto::sha256_hex(token));
  if (!s || s->kind != kind)
    return std::nullopt;
  if (s->status == "pending" && s->expires_at < now_iso8601()) {
    ctx.db.sessions().complete(s->token_hash, "expired", s->result_json);
    s->status = "expired";
  }
  return s;
}

namespace {

http_response finished_page(const interactive_session_record& s) {
  return page(s.status == "expired" ? 410 : 409, "This request is " + s.status,
              "<p>Nothing more to do here.</p>");
}

void page_audit(repositories& db, const interactive_session_record& s,
                std::string action, std::string outcome, const std::string& grant_id) {
  audit_record row;
  row.created_at = now_iso8601();
  row.request_id = crypto::random_hex(16);
  row.action = std::move(action);
  row.outcome = std::move(outcome);
  row.app_id = s.app_id;
  row.agent_id = s.agent_id;
  row.grant_id = grant_id;
  row.principal_type = s.kind == "connect" ? "user" : "";
  row.grant_kind = grant_id.empty() ? "" : "oauth";
  row.status_code = 200;
  db.audit().append(row);
}

http_response connect_form(backend_context& ctx, const std::string& token,
                           const interactive_session_record& s,
                           const std::string& problem = {}) {
  auto req = from_json<connect_request>(s.request_json);
  std::string body;
  if (!problem.empty())
    body += "<p role=\"alert\"><strong>" + escape_html(problem) + "</strong></p>";
  body += "<p>An application asks to use your account at:</p><ul>";
  auto providers = req ? req->allowed_providers : std::vector<std::string>{};
  if (providers.empty())
    for (const auto& p : ctx.db.grants().list_providers())
      providers.push_back(p.id);
  for (const auto& p : providers)
    body += "<li>" + escape_html(p) + "</li>";
  body += "</ul>";
  if (!s.agent_id.empty())
    if (auto agent = ctx.db.accounts().find_agent(s.agent_id))
      body += "<p>Its agent <strong>" + escape_html(agent->name)
              + "</strong> may use the connection on your behalf.</p>";
  body += "<form method=\"post\" action=\"/connect/" + escape_html(token)
          + "/decision\"><p><label>Your account <input name=\"account\" "
            "maxlength=\"128\" autocomplete=\"username\"></label></p>"
            "<button name=\"decision\" value=\"approve\" id=\"approve\">Allow</button>"
            "<button name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></form>";
  return page(200, "Connect your account", body);
}

/// Approve: one OAuth-style grant per provider for the user, delegated to the
/// session's agent when it has one; all or nothing.
http_response approve_connect(backend_context& ctx, interactive_session_record& s,
                              const std::string& account) {
  auto req = from_json<connect_request>(s.request_json);
  if (!req)
    return page(500, "Connect failed", "<p>The session is unreadable.</p>");
  auto expires_at = grant_expiry(req->grant_policy).value_or("");
  std::vector<provider_record> providers;
  for (const auto& p : ctx.db.grants().list_providers())
    if (req->allowed_providers.empty()
        || std::find(req->allowed_providers.begin(), req->allowed_providers.end(), p.id)
               != req->allowed_providers.end())
      providers.push_back(p);
  connect_status done{"completed", {}};
  bool won = false;
  {
    auto tx = ctx.db.begin();
    // Only a session that names its user (a verified JWT) makes that user's
    // grants; otherwise the typed account is a label and the grant is the
    // app's: whoever holds the link must not pick whose grant it becomes.
    const auto& user_id = s.user_id;
    for (const auto& p : providers) {
      auto secret = make_secret(s.app_id, p, "user");
      tx.secrets().insert(secret);
      grant_record g;
      g.id = crypto::random_uuid();
      g.app_id = s.app_id;
      g.grant_kind = "oauth";
      g.managed_secret_id = secret.id;
      g.provider_id = p.id;
      g.principal_type = "user";
      g.principal_id = user_id;
      g.account_identifier = account;
      g.scopes = {"read", "write"};
      g.expires_at = expires_at;
      g.created_at = now_iso8601();
      tx.grants().insert(g);
      if (!s.agent_id.empty())
        tx.grants().delegate(g.id, s.agent_id, g.created_at);
      page_audit(tx, s, "connect.completed", "success", g.id);
      done.results.push_back({g.id, p.id, account, g.scopes, req->grant_policy});
    }
    won = tx.sessions().complete(s.token_hash, "completed", to_json(done));
    if (!won)
      throw std::runtime_error{"decided concurrently"};
    tx.commit();
  }
  return page(200, "Connected",
              "<p id=\"outcome\">Your account is connected. You can close this "
              "page.</p>");
}

void connect_pages(backend_context& ctx, const std::string& token, bool decision,
                   const server_request& req, const responder& respond) {
  auto s = find_live_session(ctx, token, "connect");
  if (!s)
    return respond(page(404, "Unknown link", "<p>This link is not valid.</p>"));
  if (s->status != "pending")
    return respond(finished_page(*s));
  if (!decision || req.method != "POST")
    return respond(req.method == "GET" ? connect_form(ctx, token, *s)
                                       : page(405, "Not allowed", ""));
  auto form = form_fields(req.body);
  auto choice = field_or_empty(form, "decision");
  if (choice == "deny") {
    if (!ctx.db.sessions().complete(s->token_hash, "denied",
                                    to_json(connect_status{"denied", {}})))
      return respond(page(409, "Already decided", ""));
    page_audit(ctx.db, *s, "connect.denied", "denied", {});
    return respond(page(200, "Not connected",
                        "<p id=\"outcome\">Nothing was shared. You can close this "
                        "page.</p>"));
  }
  auto account = field_or_empty(form, "account");
  if (choice != "approve")
    return respond(connect_form(ctx, token, *s, "Choose Allow or Deny."));
  if (!is_account_name(account))
    return respond(connect_form(ctx, token, *s,
                                "Enter your account: letters, digits and @ . _ + -"));
  try {
    respond(approve_connect(ctx, *s, account));
  } catch (const std::runtime_error&) {
    respond(page(409, "Already decided", "<p>This request was already decided.</p>"));
  }
}

http_response sign_in_form(const std::string& token, bool open_sign_in,
                           const std::string& problem = {}, int status = 200) {
  std::string body;
  if (!problem.empty())
    body += "<p role=\"alert\"><strong>" + escape_html(problem) + "</strong></p>";
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
    auto res = sign_in_form(token, false,
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
  page_audit(ctx.db, s, "auth.failed", "denied", {});
  return sign_in_form(token, false, "Wrong user name or password.", 401);
}

void auth_pages(backend_context& ctx, const std::string& token, bool decision,
                const server_request& req, const responder& respond) {
  auto s = find_live_session(ctx, token, "auth");
  if (!s)
    return respond(page(404, "Unknown link", "<p>This link is not valid.</p>"));
  if (s->status != "pending")
    return respond(finished_page(*s));
  if (!decision || req.method != "POST")
    return respond(req.method == "GET" ? sign_in_form(token, ctx.open_sign_in)
                                       : page(405, "Not allowed", ""));
  if (ctx.idp == nullptr || ctx.sign_in_failures == nullptr)
    return respond(page(500, "Unavailable", "<p>No identity provider.</p>"));
  auto form = form_fields(req.body);
  auto username = field_or_empty(form, "username");
  if (ctx.open_sign_in) {
    if (!is_account_name(username))
      return respond(
          sign_in_form(token, true, "User names are letters, digits and @ . _ + -"));
  } else if (auto refused
             = refuse_password(ctx, token, *s, username,
                               field_or_empty(form, "password"), req.client_ip)) {
    return respond(std::move(*refused));
  }
  ctx.db.accounts().user_for_subject(s->app_id, username);
  auth_status done{"completed",
                   ctx.idp->issue(s->app_id, username, 3600, {{"name", username}}),
                   {{"sub", username}, {"name", username}}};
  if (!ctx.db.sessions().complete(s->token_hash, "completed", to_json(done)))
    return respond(page(409, "Already signed in", ""));
  page_audit(ctx.db, *s, "auth.completed", "success", {});
  respond(page(200, "Signed in",
               "<p id=\"outcome\">You are signed in. You can close this page.</p>"));
}

} // namespace

void serve_interactive_pages(backend_context& ctx, const server_request& req,
                             const responder& respond) {
  std::string_view path = req.target;
  path = path.substr(0, path.find('?'));
  bool connect = path.rfind("/connect/", 0) == 0;
  path.remove_prefix(connect ? 9 : 6);
  bool decision = false;
  if (auto slash = path.find('/'); slash != std::string_view::npos) {
    if (path.substr(slash) != "/decision")
      return respond(page(404, "Unknown link", "<p>This link is not valid.</p>"));
    decision = true;
    path = path.substr(0, slash);
  }
  std::string token{path};
  if (connect)
    connect_pages(ctx, token, decision, req, respond);
  else
    auth_pages(ctx, token, decision, req, respond);
}

} // namespace alter::backend
