// Who is calling and who the end user is: me(), the scope catalog, the local
// identity provider's verify/resolve and its sign-in sessions.
#include "alter/messages/identity.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/scope_table.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/identity/interactive_sessions.hpp"
#include "alter/backend/routes/account_views.hpp"
#include "alter/backend/routes/route_helpers.hpp"
#include "alter/messages/catalogs.hpp"

namespace alter::backend {

namespace {

/// GET /v1/scopes: the scope table as the wire's catalog.
const scope_catalog& catalog() {
  static const scope_catalog c = [] {
    scope_catalog out;
    for (const auto& f : scope_table()) {
      if (f.kind == scope_kind::crud)
        out.resources.push_back({std::string{f.name},
                                 {"read", "write", "admin"},
                                 std::string{f.description}});
      else
        out.actions.push_back({std::string{f.name}, std::string{f.description}});
    }
    return out;
  }();
  return c;
}

std::optional<std::string> token_in_body(const api_call_ptr& call) {
  auto fields = fields_from_json(call->request.body);
  const auto* token = find_field(fields, "user_token");
  if (!token || token->empty()) {
    call->fail(make_error(error_code::invalid_request, "user_token is required"));
    return std::nullopt;
  }
  return *token;
}

void resolve(backend_context& ctx, const api_call_ptr& call) {
  auto token = token_in_body(call);
  if (!token)
    return;
  const auto& app_id = call->identity.app_id();
  if (ctx.idp == nullptr)
    return call->fail(make_error(error_code::internal_error, "no identity provider"));
  auto claims = ctx.idp->verify(app_id, *token);
  if (!claims)
    return call->fail(make_error(error_code::reauth_required,
                                 "the user token is invalid or expired"));
  auto user = ctx.db.accounts().user_for_subject(app_id, claims->subject);
  identity_context out;
  out.app_user_id = user.id;
  out.agent_id = call->identity.agent ? call->identity.agent->id : std::string{};
  out.group_ids = user.group_ids;
  out.user_status = std::string{to_string(user.status)};
  out.external_subject_id = claims->subject;
  out.idp_id = identity_provider::issuer;
  call->reply(200, to_json(out));
}

void create_auth_session(backend_context& ctx, const api_call_ptr& call) {
  interactive_session_record s;
  s.kind = session_kind::auth;
  s.app_id = call->identity.app_id();
  auto token = new_session_token("as_");
  s.token_hash = crypto::sha256_hex(token);
  s.created_at = now_iso8601();
  s.expires_at = now_iso8601(std::chrono::minutes{session_lifetime_minutes});
  s.result_json = to_json(auth_status{"pending", {}, {}});
  ctx.db.sessions().insert(s);
  call->reply(
      201, to_json(auth_session{token, ctx.base_url + "/auth/" + token, s.expires_at}));
}

void poll_auth_session(backend_context& ctx, const api_call_ptr& call) {
  auto s = find_live_session(ctx, call->params["token"], session_kind::auth);
  if (!s || s->app_id != call->identity.app_id())
    return call->fail(
        make_error(error_code::not_found, "no sign-in session with that token"));
  auto status = from_json<auth_status>(s->result_json);
  if (!status)
    return call->fail(
        make_error(error_code::internal_error, "the session is unreadable"));
  status->status = std::string{to_string(s->status)};
  // The JWT leaves once: the session keeps only that it was completed.
  if (!status->user_token.empty())
    ctx.db.sessions().set_result(
        s->token_hash,
        to_json(auth_status{std::string{to_string(s->status)}, {}, status->user_info}));
  call->reply(200, to_json(*status));
}

} // namespace

void add_identity_routes(router& routes, backend_context&) {
  routes.add(route{
      "GET", "/v1/me", {}, [](const api_call_ptr& call) {
        const auto& agent = call->identity.agent;
        if (!agent)
          return call->fail(
              make_error(error_code::me_requires_agent_key,
                         "me() needs an agent key, or an app key acting as an agent "
                         "(get_agent)"));
        call->reply(200, to_json(to_agent_info(*agent)));
      }}.allowing_inactive_agent());
}

void add_catalog_and_identity_routes(router& routes, backend_context& ctx) {
  // Signing a person in hands out their JWT: apps only, with connect:initiate
  // (agents never act as users).
  auto apps_only = [&ctx](void (*fn)(backend_context&, const api_call_ptr&)) {
    return [&ctx, fn](const api_call_ptr& call) {
      if (!refuse_agent(call, error_code::insufficient_scope,
                        "agents do not sign users in"))
        fn(ctx, call);
    };
  };
  routes.add({
      route{"GET",
            "/v1/scopes",
            {},
            [](const api_call_ptr& call) { call->reply(200, to_json(catalog())); }},
      route{"POST",
            "/v1/identity/verify",
            {},
            [&ctx](const api_call_ptr& call) {
              auto token = token_in_body(call);
              if (!token)
                return;
              auto claims = ctx.idp->verify(call->identity.app_id(), *token);
              call->reply(200, to_json(claims ? verified_user{true, claims->subject}
                                              : verified_user{false, {}}));
            }},
      route{"POST",
            "/v1/identity/resolve",
            {},
            [&ctx](const api_call_ptr& call) { resolve(ctx, call); }},
      route{"POST", "/v1/auth/sessions", scopes::connect_initiate,
            apps_only(create_auth_session)},
      route{"GET", "/v1/auth/sessions/{token}", scopes::connect_initiate,
            apps_only(poll_auth_session)},
  });
}

} // namespace alter::backend
