#include "alter/backend/oauth/connect_flow.hpp"

#include <algorithm>

#include "alter/auth/crypto.hpp"
#include "alter/backend/api/request_executor.hpp"
#include "alter/backend/http/cookies.hpp"
#include "alter/backend/http/html_page.hpp"
#include "alter/backend/identity/interactive_sessions.hpp"
#include "alter/backend/oauth/token_endpoint.hpp"
#include "alter/backend/routes/routes.hpp"
#include "alter/messages/base64.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

/// How long the person has at the provider.
constexpr std::chrono::seconds flow_lifetime{600};

/// The browser that began an authorization holds this cookie; the flow is
/// found only by the state together with it, so an authorization URL sent to
/// someone else completes nothing (login CSRF, OAuth Security BCP 4.7).
constexpr std::string_view browser_cookie = "alter_connect";

std::string flow_key(const std::string& state, const std::string& browser) {
  return crypto::sha256_hex(state + ":" + browser);
}

std::string browser_cookie_header(const backend_context& ctx, const std::string& value,
                                  std::chrono::seconds max_age) {
  bool secure = ctx.base_url.rfind("https://", 0) == 0;
  // Only the callback needs it (below the base URL's path, if it has one).
  auto callback = net::parse_url(ctx.base_url + connect_callback_path);
  auto path = callback ? callback->target : std::string{connect_callback_path};
  return std::string{browser_cookie} + "=" + value + "; Path=" + path
         + "; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age.count())
         + (secure ? "; Secure" : "");
}

std::string joined(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes)
    out += (out.empty() ? "" : " ") + s;
  return out;
}

http_response outcome_page(int status, const std::string& title,
                           const std::string& text) {
  return page(status, title, "<p id=\"outcome\">" + escape_html(text) + "</p>");
}

} // namespace

std::vector<std::string> connect_scopes(const provider_record& p) {
  std::vector<std::string> scopes{"read", "write"};
  for (const auto& s : p.required_scopes)
    if (std::find(scopes.begin(), scopes.end(), s) == scopes.end())
      scopes.push_back(s);
  return scopes;
}

http_response begin_authorization(backend_context& ctx,
                                  const interactive_session_record& s,
                                  const provider_record& provider) {
  auto state = crypto::random_hex(32);
  auto browser = crypto::random_hex(32);
  oauth_flow_record flow;
  flow.state_hash = flow_key(state, browser);
  flow.session_hash = s.token_hash;
  flow.provider_id = provider.id;
  flow.verifier = base64url_encode(crypto::random_bytes(32));
  flow.redirect_uri = ctx.base_url + connect_callback_path;
  flow.created_at = now_iso8601();
  flow.expires_at = now_iso8601(flow_lifetime);
  ctx.db.oauth().insert_flow(flow);
  auto challenge = base64url_encode(crypto::sha256(flow.verifier));
  auto sep = provider.oauth_authorize_url.find('?') == std::string::npos ? "?" : "&";
  auto location = provider.oauth_authorize_url + sep + "response_type=code"
                  + "&client_id=" + net::percent_encode(provider.oauth_client_id)
                  + "&redirect_uri=" + net::percent_encode(flow.redirect_uri)
                  + "&scope=" + net::percent_encode(joined(connect_scopes(provider)))
                  + "&state=" + state + "&code_challenge=" + challenge
                  + "&code_challenge_method=S256";
  return redirect(location, browser_cookie_header(ctx, browser, flow_lifetime));
}

void finish_authorization(backend_context& ctx, const server_request& req,
                          const responder& respond) {
  auto param = [&](const char* name) {
    auto v = net::query_param(req.target, name).value_or("");
    return v.size() > 4096 ? std::string{} : v;
  };
  auto state = param("state");
  auto browser = cookie_value(req, browser_cookie);
  auto flow = state.empty() || browser.empty()
                  ? std::nullopt
                  : ctx.db.oauth().take_flow(flow_key(state, browser));
  if (!flow)
    return respond(outcome_page(400, "Unknown link",
                                "This authorization is unknown, was already used, or "
                                "was begun in another browser."));
  auto s = ctx.db.sessions().find(flow->session_hash);
  if (!s || s->kind != session_kind::connect)
    return respond(outcome_page(400, "Unknown link", "The Connect session is gone."));
  if (s->status != session_status::pending || flow->expires_at <= now_iso8601()
      || s->expires_at <= now_iso8601())
    return respond(outcome_page(409, "Already decided",
                                "This request was already decided or expired."));
  auto error = param("error");
  if (error == "access_denied") {
    deny_connect(ctx, *s);
    return respond(outcome_page(200, "Not connected",
                                "Nothing was shared. You can close this page."));
  }
  auto provider = ctx.db.grants().find_provider(flow->provider_id);
  auto code = param("code");
  if (!error.empty() || code.empty() || !provider || !provider->is_oauth()) {
    fail_connect(ctx, *s, flow->provider_id,
                 error.empty() ? "the provider sent no code"
                               : "the provider refused the authorization");
    return respond(outcome_page(502, "Connect failed",
                                "The provider did not authorize the connection."));
  }
  field_list form{{"grant_type", "authorization_code"},
                  {"code", code},
                  {"redirect_uri", flow->redirect_uri},
                  {"code_verifier", flow->verifier}};
  auto* workers = ctx.workers;
  auto redeemed = [&ctx, s = *s, provider = *provider, respond](token_answer a) {
    try {
      if (a.outcome != token_outcome::granted) {
        fail_connect(ctx, s, provider.id,
                     "the token endpoint refused the code: " + a.problem);
        return respond(
            outcome_page(502, "Connect failed", "The provider did not issue a token."));
      }
      oauth_token_record tokens;
      tokens.access_token = std::move(a.access_token);
      tokens.refresh_token = std::move(a.refresh_token);
      tokens.expires_at = now_iso8601(a.expires_in);
      tokens.scopes = a.scopes.empty() ? connect_scopes(provider) : std::move(a.scopes);
      switch (complete_oauth_connect(ctx, s, provider, std::move(tokens))) {
        case connect_completion::already_decided:
          return respond(outcome_page(409, "Already decided",
                                      "This request was already decided."));
        case connect_completion::grant_gone:
          return respond(outcome_page(
              409, "Connect failed", "The connection to renew was removed meanwhile."));
        case connect_completion::completed:
          break;
      }
      respond(outcome_page(200, "Connected",
                           "Your account is connected. You can close this page."));
    } catch (const std::exception&) {
      respond(outcome_page(503, "Connect failed", "Try again in a moment."));
    }
  };
  request_tokens(ctx.upstream, *provider, std::move(form), ctx.upstream_timeout,
                 [workers, redeemed](token_answer a) {
                   if (workers == nullptr)
                     return redeemed(std::move(a));
                   workers->post([redeemed, a = std::move(a)]() mutable {
                     redeemed(std::move(a));
                   });
                 });
}

} // namespace alter::backend
