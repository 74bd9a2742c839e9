#include "alter/backend/routes/routes.hpp"

#include <charconv>

#include "alter/auth/crypto.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/routes/route_helpers.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/validation.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

void add_grant_routes(router& routes, backend_context& ctx) {
  route list{"GET", "/v1/grants", scopes::grants_read, {}};
  list.handler = [&ctx](const api_call_ptr& call) {
    auto page = page_of(call);
    if (!page)
      return;
    auto filter = usable_by(call->identity);
    filter.provider_id
        = net::query_param(call->request.target, "provider_id").value_or("");
    grant_list out;
    auto rows = ctx.db.grants().list(filter, page->limit, page->offset, out.total);
    for (const auto& g : rows)
      out.grants.push_back(to_grant_item(ctx.db, g));
    out.limit = page->limit;
    out.offset = page->offset;
    out.has_more = page->offset + static_cast<int64_t>(rows.size()) < out.total;
    call->reply(200, to_json(out));
  };
  routes.add(std::move(list));
}

} // namespace alter::backend

namespace alter::backend {

namespace {

void create_managed_secret_grant(backend_context& ctx, const api_call_ptr& call) {
  auto body = read_body<managed_secret_grant>(call);
  if (!body)
    return;
  const auto& id = call->identity;
  auto secret = ctx.db.secrets().find(body->managed_secret_id);
  if (!secret || secret->app_id != id.app_id())
    return call->fail(
        make_error(error_code::not_found, "no managed secret with that id"));
  auto expires_at = grant_expiry(body->grant_policy);
  if (!expires_at)
    return call->fail(make_error(error_code::invalid_request,
                                 "grant_policy: TTLs must be >= 0, default <= max, "
                                 "expires_at an ISO 8601 UTC time"));
  grant_record g;
  g.id = crypto::random_uuid();
  g.app_id = id.app_id();
  g.managed_secret_id = secret->id;
  g.provider_id = secret->provider_id;
  g.label = body->principal.label;
  g.expires_at = *expires_at;
  g.created_at = now_iso8601();
  auto type = principal_type::agent;
  bool known = from_string(body->principal.type, type);
  if (id.agent && (!known || type != principal_type::agent))
    return call->fail(
        make_error(error_code::policy_denied, "an agent can only grant itself"));
  if (!known)
    return call->fail(
        make_error(error_code::invalid_request,
                   "principal.type must be user, group, system or agent"));
  g.principal_type = type;
  if (type == principal_type::agent) {
    if (!id.agent)
      return call->fail(make_error(error_code::invalid_request,
                                   "an agent principal needs an agent identity (an "
                                   "agent key, or get_agent)"));
    g.agent_id = id.agent->id;
  } else if (type == principal_type::user) {
    auto user = ctx.idp ? ctx.idp->user_of(id.app_id(), body->principal.user_token)
                        : std::nullopt;
    if (!user)
      return call->fail(make_error(error_code::reauth_required,
                                   "the principal's user_token is invalid or expired"));
    g.principal_id = user->id;
  } else if (type == principal_type::group) {
    if (body->principal.external_group_id.empty())
      return call->fail(make_error(error_code::invalid_request,
                                   "a group principal needs external_group_id"));
    g.principal_id = body->principal.external_group_id;
  }
  in_transaction(ctx.db, [&](transaction& tx) {
    tx.grants().insert(g);
    audit_admin(tx, *call, "grant.created", g.id);
  });
  call->reply(201, to_json(created_grant{g.id, std::string{to_string(g.principal_type)},
                                         g.label, g.created_at, g.expires_at}));
}

/// The {grant_id} grant of the caller's app, or the call is answered.
std::optional<grant_record> app_grant(backend_context& ctx, const api_call_ptr& call) {
  auto g = ctx.db.grants().find(call->params["grant_id"]);
  if (!g || g->app_id != call->identity.app_id()) {
    call->fail(make_error(error_code::grant_not_found, "no grant with that id"));
    return std::nullopt;
  }
  return g;
}

void revoke_grant(backend_context& ctx, const api_call_ptr& call) {
  if (refuse_agent(call, error_code::insufficient_scope, "only app keys revoke grants"))
    return;
  auto g = app_grant(ctx, call);
  if (!g)
    return;
  if (g->status == grant_status::revoked)
    return call->fail(
        make_error(error_code::grant_revoked, "the grant is already revoked"));
  auto reason = fields_from_json(call->request.body);
  auto now = now_iso8601();
  in_transaction(ctx.db, [&](transaction& tx) {
    tx.grants().revoke(g->id, now);
    auto row = audit_row(*call, "grant.revoked");
    row.outcome = audit_outcome::success;
    row.status_code = 200;
    record_grant(row, *g);
    if (const auto* r = find_field(reason, "reason"))
      row.reason = r->substr(0, 500);
    if (!write_audit(tx, row))
      throw std::runtime_error{"the audit row could not be written"};
  });
  call->reply(200, to_json(revoked_grant{true, "grant revoked", g->id, now}));
}

void remove_delegation(backend_context& ctx, const api_call_ptr& call,
                       const std::string& agent_id) {
  auto g = app_grant(ctx, call);
  if (!g)
    return;
  bool removed = false;
  in_transaction(ctx.db, [&](transaction& tx) {
    removed = tx.grants().revoke_delegation(g->id, agent_id, now_iso8601());
    if (removed)
      audit_admin(tx, *call, "delegation.revoked", g->id + " " + agent_id);
  });
  if (!removed)
    return call->fail(make_error(error_code::no_delegated_grant,
                                 "the agent has no delegation of this grant"));
  call->reply(200, to_json(revoked_delegation{true, g->id, agent_id}));
}

} // namespace

void add_grant_admin_routes(router& routes, backend_context& ctx) {
  routes.add({
      route{
          "POST", "/v1/grants/managed-secret", scopes::grants_write,
          [&ctx](const api_call_ptr& call) { create_managed_secret_grant(ctx, call); }},
      route{"POST", "/v1/grants/{grant_id}/revoke", scopes::grants_write,
            [&ctx](const api_call_ptr& call) { revoke_grant(ctx, call); }},
      route{"DELETE", "/v1/grants/{grant_id}/delegations/{agent_id}",
            scopes::grants_write,
            [&ctx](const api_call_ptr& call) {
              if (refuse_agent(call, error_code::insufficient_scope,
                               "an agent revokes its own delegation: DELETE "
                               "/v1/grants/{grant_id}/delegation"))
                return;
              remove_delegation(ctx, call, call->params["agent_id"]);
            }},
      // An agent's own access path: no grants scope needed to give it up.
      route{"DELETE",
            "/v1/grants/{grant_id}/delegation",
            {},
            [&ctx](const api_call_ptr& call) {
              if (!call->identity.agent)
                return call->fail(make_error(error_code::invalid_request,
                                             "only an agent identity has its own "
                                             "delegation; an app names the agent"));
              remove_delegation(ctx, call, call->identity.agent->id);
            }},
  });
}

} // namespace alter::backend
