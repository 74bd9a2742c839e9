// Connect through the API: an app asks for a consent session, shows its URL to
// the end user, and polls until they decide (docs/protocol.md section 7.5).
#include "alter/messages/connect.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/access/liveness.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/identity/interactive_sessions.hpp"
#include "alter/backend/oauth/grant_credential.hpp"
#include "alter/backend/routes/route_helpers.hpp"
#include "alter/messages/catalogs.hpp"
#include "alter/messages/validation.hpp"

namespace alter::backend {

namespace {

/// The scopes the simulated OAuth providers offer.
const std::vector<provider_scope>& offered_scopes() {
  static const std::vector<provider_scope> scopes
      = {{"read", "read the account's resources"},
         {"write", "change the account's resources"}};
  return scopes;
}

bool is_web_url(const std::string& url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

void create_session(backend_context& ctx, const api_call_ptr& call) {
  auto body = read_body<connect_request>(call);
  if (!body)
    return;
  const auto& id = call->identity;
  auto config_error = [&](std::string why) {
    call->fail(make_error(error_code::connect_config_invalid, std::move(why)));
  };
  for (const auto& p : body->allowed_providers)
    if (!ctx.db.grants().find_provider(p))
      return config_error("unknown provider " + p.substr(0, 128));
  for (const auto* url : {&body->return_url, &body->allowed_origin})
    if (!url->empty() && (!is_web_url(*url) || url->size() > 2048))
      return config_error("return_url and allowed_origin must be http(s) URLs");
  if (fields_to_json(body->metadata).size() > 8192)
    return config_error("metadata must be at most 8 KiB as JSON");
  if (!grant_expiry(body->grant_policy))
    return config_error("grant_policy: TTLs must be 0 to 10 years, default <= max, "
                        "expires_at an ISO 8601 UTC time");
  interactive_session_record s;
  s.kind = session_kind::connect;
  s.app_id = id.app_id();
  if (!body->agent_id.empty()) {
    auto agent = is_uuid(body->agent_id) ? ctx.db.accounts().find_agent(body->agent_id)
                                         : std::nullopt;
    if (!agent || agent->app_id != id.app_id() || !agent_is_live(*agent))
      return call->fail(make_error(error_code::agent_not_found,
                                   "no live agent " + body->agent_id + " in this app"));
    // An agent starts sessions for its own delegations only.
    if (id.agent && agent->id != id.agent->id)
      return config_error("an agent's Connect session delegates to that agent only");
    s.agent_id = agent->id;
  }
  if (!body->user_token.empty()) {
    auto user
        = ctx.idp ? ctx.idp->user_of(id.app_id(), body->user_token) : std::nullopt;
    if (!user)
      return call->fail(make_error(error_code::reauth_required,
                                   "the user_token is invalid or expired"));
    s.user_id = user->id;
  } else if (id.user) {
    s.user_id = id.user->id;
  } else if (id.agent && id.delegating_user) {
    // Connect-time delegation: an agent with its user's JWT starts the session
    // that makes that user's grant and delegates it to the agent.
    s.user_id = id.delegating_user->id;
    if (s.agent_id.empty())
      s.agent_id = id.agent->id;
  }
  if (!body->secret_provider.empty()) {
    // A managed-secret session: the person types the secret for one provider.
    auto p = body->secret_provider.size() <= 128
                 ? ctx.db.grants().find_provider(body->secret_provider)
                 : std::nullopt;
    if (!p)
      return config_error("unknown secret_provider "
                          + body->secret_provider.substr(0, 128));
    if (p->is_oauth())
      return config_error(
          "secret_provider " + p->id
          + " is an OAuth provider: its grants come from its own consent");
    if (!body->reauth_grant_id.empty())
      return config_error("secret_provider and reauth_grant_id do not go together");
    if (!body->allowed_providers.empty()
        && body->allowed_providers != std::vector<std::string>{p->id})
      return config_error("allowed_providers must be empty or the secret_provider");
    body->allowed_providers = {p->id};
  }
  if (!body->reauth_grant_id.empty()) {
    // Only the app, for the grant's own owner, renews an OAuth grant: an agent
    // (even one the grant is delegated to) never swaps the account behind it.
    auto g = body->reauth_grant_id.size() <= 128
                 ? ctx.db.grants().find(body->reauth_grant_id)
                 : std::nullopt;
    if (!g || g->app_id != id.app_id() || !may_use(ctx.db, id, *g))
      return call->fail(make_error(error_code::grant_not_found,
                                   "no grant with that reauth_grant_id"));
    if (id.agent || !body->agent_id.empty())
      return config_error("an agent cannot re-authorise a grant: the app does, for "
                          "the grant's owner");
    if (!holds_oauth_tokens(*g))
      return config_error("reauth_grant_id must name an OAuth grant");
    if (!consent_may_renew(*g, s.user_id))
      return config_error("a grant is re-authorised by its own user (pass that "
                          "user's user_token), an app grant without one");
    if (auto usable = check_grant_state(*g); !usable)
      return call->fail(from_caf_error(usable.error()));
    if (!body->allowed_providers.empty()
        && body->allowed_providers != std::vector<std::string>{g->provider_id})
      return config_error("allowed_providers must be empty or the grant's provider");
    body->allowed_providers = {g->provider_id};
  }
  // The JWT is not kept: the session remembers whom it names.
  body->user_token.clear();
  s.request_json = to_json(*body);
  auto token = new_session_token("cs_");
  s.token_hash = crypto::sha256_hex(token);
  s.created_at = now_iso8601();
  s.expires_at = now_iso8601(std::chrono::minutes{session_lifetime_minutes});
  s.result_json = to_json(connect_status{"pending", {}});
  in_transaction(ctx.db, [&](transaction& tx) {
    tx.sessions().insert(s);
    audit_admin(tx, *call, "connect.session_created", s.agent_id);
  });
  call->reply(201, to_json(connect_session{token, ctx.base_url + "/connect/" + token,
                                           s.expires_at}));
}

void poll_session(backend_context& ctx, const api_call_ptr& call) {
  auto s = find_live_session(ctx, call->params["token"], session_kind::connect);
  if (!s || s->app_id != call->identity.app_id())
    return call->fail(
        make_error(error_code::not_found, "no Connect session with that token"));
  auto status = from_json<connect_status>(s->result_json);
  if (!status)
    return call->fail(
        make_error(error_code::internal_error, "the session is unreadable"));
  status->status = std::string{to_string(s->status)};
  call->reply(200, to_json(*status));
}

void list_providers(backend_context& ctx, const api_call_ptr& call) {
  provider_catalog out;
  for (const auto& p : ctx.db.grants().list_providers())
    out.providers.push_back(
        {p.id, p.display_name.empty() ? p.id : p.display_name, offered_scopes()});
  call->reply(200, to_json(out));
}

} // namespace

void add_connect_routes(router& routes, backend_context& ctx) {
  routes.add({
      route{"POST", "/v1/connect/sessions", scopes::connect_initiate,
            [&ctx](const api_call_ptr& call) { create_session(ctx, call); }},
      route{"GET", "/v1/connect/sessions/{token}", scopes::connect_initiate,
            [&ctx](const api_call_ptr& call) { poll_session(ctx, call); }},
      route{"GET",
            "/v1/oauth/providers",
            {},
            [&ctx](const api_call_ptr& call) { list_providers(ctx, call); }},
  });
}

} // namespace alter::backend
