// The agents namespace: operator CRUD for an app's managed agents and their
// keys (docs/protocol.md section 7.4). App keys only: an agent cannot manage
// agents, not even itself.
#include <algorithm>

#include "alter/auth/api_key.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/liveness.hpp"
#include "alter/backend/api/idempotency_guard.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/routes/account_views.hpp"
#include "alter/backend/routes/route_helpers.hpp"
#include "alter/messages/agents.hpp"
#include "alter/messages/validation.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

constexpr std::size_t max_block = 8192;

bool valid_blocks(const api_call_ptr& call, const field_list& metadata,
                  const field_list& policy) {
  if (fields_to_json(metadata).size() <= max_block
      && fields_to_json(policy).size() <= max_block)
    return true;
  call->fail(make_error(error_code::invalid_request,
                        "metadata and policy must each be at most 8 KiB as JSON"));
  return false;
}

/// Derived keys are short-lived by design; the keys agents get never expire, so a
/// derived key must not mint them (it would outlive itself).
bool refuse_derived(const api_call_ptr& call) {
  if (call->identity.key.key_type != key_type::derived)
    return false;
  call->fail(make_error(error_code::insufficient_scope,
                        "a derived key cannot manage agents or their keys"));
  return true;
}

/// The {id} agent of the caller's app, or the call is answered agent_not_found.
std::optional<agent_record> app_agent(backend_context& ctx, const api_call_ptr& call) {
  const auto& id = call->params["id"];
  auto agent = is_uuid(id) ? ctx.db.accounts().find_agent(id) : std::nullopt;
  if (!agent || agent->app_id != call->identity.app_id()) {
    call->fail(make_error(error_code::agent_not_found, "no agent with that id"));
    return std::nullopt;
  }
  return agent;
}

/// The {key_id} key of that agent, or the call is answered key_not_found.
std::optional<key_record> agent_key(backend_context& ctx, const api_call_ptr& call,
                                    const agent_record& agent) {
  const auto& id = call->params["key_id"];
  auto key = is_uuid(id) ? ctx.db.accounts().find_key(id) : std::nullopt;
  if (!key || key->agent_id != agent.id || key->key_type != key_type::agent) {
    call->fail(
        make_error(error_code::key_not_found, "the agent has no key with that id"));
    return std::nullopt;
  }
  return key;
}

minted_key mint_agent_key(accounts_repository& accounts, const agent_record& agent,
                          std::string name) {
  minted_key out;
  auto key
      = make_key(agent.app_id, agent.id, bootstrap_spec{}.agent_scopes, out.api_key);
  key.name = std::move(name);
  accounts.insert_key(key);
  out.key = to_key_info(key);
  return out;
}

/// The answer to a replayed creation: the agent as it is now, never its key.
void replay_created_agent(backend_context& ctx, const api_call_ptr& call,
                          const std::string& stored_body) {
  auto stored = from_json<agent_info>(stored_body);
  auto agent = stored ? ctx.db.accounts().find_agent(stored->id) : std::nullopt;
  if (!agent)
    return call->fail(make_error(error_code::internal_error,
                                 "the agent of this Idempotency-Key is gone"));
  if (agent->status == agent_status::revoked)
    return call->fail(make_error(error_code::idempotency_key_agent_revoked,
                                 "the agent created with this key was deleted"));
  if (agent->status == agent_status::inactive)
    return call->fail(make_error(error_code::idempotency_key_agent_inactive,
                                 "the agent created with this key is paused"));
  // A replay shows the metadata again: AgentInfo alone, no api_key field.
  call->reply(200, to_json(to_agent_info(*agent)));
}

void create_agent(backend_context& ctx, const api_call_ptr& call) {
  if (refuse_agent(call, error_code::agent_cannot_mint_subagents,
                   "an agent key cannot create agents")
      || refuse_derived(call))
    return;
  auto body = read_body<agent_create>(call);
  if (!body)
    return;
  if (!is_valid_agent_name(body->name))
    return call->fail(make_error(error_code::invalid_request,
                                 "name must be 1-64 characters of a-z, 0-9, '-' and "
                                 "'_', starting with a letter or digit"));
  auto type = agent_type::agent;
  if (!from_string(body->type, type))
    return call->fail(
        make_error(error_code::invalid_request, "type must be agent or service"));
  if (!valid_blocks(call, body->metadata, body->policy))
    return;
  const auto& app_id = call->identity.app_id();
  std::string idem;
  if (const auto* k = find_field(call->request.headers, header::idempotency_key)) {
    if (!is_valid_idempotency_key(*k))
      return call->fail(
          make_error(error_code::idempotency_key_invalid,
                     "Idempotency-Key must be 1-255 visible ASCII characters"));
    // Its own namespace: a proxy call's key never collides with it.
    idem = "agents.create:" + *k;
  }
  idempotency_guard guard{ctx.db, app_id, idem, crypto::sha256_hex(call->request.body),
                          ctx.idempotency_lease};
  auto seen = guard.look_up();
  if (seen.kind == idempotency_lookup::proceed) {
    if (auto taken = guard.claim(idempotency_state::pending))
      seen = std::move(*taken);
  }
  if (seen.kind == idempotency_lookup::replay)
    return replay_created_agent(ctx, call, seen.body);
  if (seen.kind != idempotency_lookup::proceed)
    return call->fail(idempotency_refusal(seen));
  agent_record a;
  a.id = crypto::random_uuid();
  a.app_id = app_id;
  a.name = body->name;
  a.display_name = body->display_name;
  a.type = type;
  a.metadata_json = fields_to_json(body->metadata);
  a.scopes_json = provider_scopes_json(body->scopes);
  a.policy_json = fields_to_json(body->policy);
  a.created_at = now_iso8601();
  agent_created out;
  bool name_taken = false;
  in_transaction(ctx.db, [&](transaction& tx) {
    if (tx.accounts().find_live_agent_by_name(app_id, a.name)) {
      name_taken = true;
      return;
    }
    tx.accounts().insert_agent(a);
    out.api_key = mint_agent_key(tx.accounts(), a, "default").api_key;
    audit_admin(tx, *call, "agent.created", a.id);
    out.agent = to_agent_info(a);
    guard.complete(tx, 201, to_json(out.agent));
  });
  if (name_taken)
    return call->fail(make_error(error_code::agent_name_exists,
                                 "a live agent of this app is named " + a.name));
  call->reply(201, to_json(out));
}

void list_agents(backend_context& ctx, const api_call_ptr& call) {
  auto page = page_of(call);
  if (!page)
    return;
  auto include_revoked
      = net::query_param(call->request.target, "include_revoked").value_or("false");
  agent_list out;
  auto rows = ctx.db.accounts().list_agents(call->identity.app_id(),
                                            include_revoked == "true", page->limit,
                                            page->offset, out.total);
  for (const auto& a : rows)
    out.agents.push_back(to_agent_info(a));
  out.limit = page->limit;
  out.offset = page->offset;
  out.has_more = page->offset + static_cast<int64_t>(rows.size()) < out.total;
  call->reply(200, to_json(out));
}

/// Dropping a provider, or a scope of one, would narrow what running agents
/// rely on: refused, as Alter does.
bool narrows(const provider_scopes& before, const provider_scopes& after) {
  for (const auto& [provider, list] : before) {
    auto i = after.find(provider);
    if (i == after.end())
      return true;
    for (const auto& s : list)
      if (std::find(i->second.begin(), i->second.end(), s) == i->second.end())
        return true;
  }
  return false;
}

void update_agent(backend_context& ctx, const api_call_ptr& call) {
  auto agent = app_agent(ctx, call);
  if (!agent)
    return;
  auto body = read_body<agent_update>(call);
  if (!body || !valid_blocks(call, body->metadata, body->policy))
    return;
  if (agent->status == agent_status::revoked)
    return call->fail(make_error(error_code::agent_revoked, "the agent was deleted"));
  auto status = agent->status;
  if (!body->status.empty()
      && (!from_string(body->status, status) || status == agent_status::revoked))
    return call->fail(
        make_error(error_code::invalid_request, "status must be active or inactive"));
  if (!body->scopes.empty()) {
    if (narrows(provider_scopes_from_json(agent->scopes_json), body->scopes))
      return call->fail(make_error(error_code::agent_scope_narrowing_not_supported,
                                   "scopes must be the full allowlist: providers and "
                                   "scopes cannot be dropped; create a new agent"));
    agent->scopes_json = provider_scopes_json(body->scopes);
  }
  if (!body->display_name.empty())
    agent->display_name = body->display_name;
  if (!body->metadata.empty())
    agent->metadata_json = fields_to_json(body->metadata);
  if (!body->policy.empty())
    agent->policy_json = fields_to_json(body->policy);
  agent->status = status;
  in_transaction(ctx.db, [&](transaction& tx) {
    tx.accounts().update_agent(*agent);
    audit_admin(tx, *call, "agent.updated", agent->id);
  });
  call->reply(200, to_json(to_agent_info(*agent)));
}

void revoke_key_row(accounts_repository& accounts, key_record& k,
                    const std::string& now) {
  k.status = key_status::revoked;
  k.revoked_at = now;
  accounts.update_key_state(k);
  accounts.revoke_derived_keys(k.id, now);
}

void delete_agent(backend_context& ctx, const api_call_ptr& call) {
  auto agent = app_agent(ctx, call);
  if (!agent)
    return;
  auto now = now_iso8601();
  in_transaction(ctx.db, [&](transaction& tx) {
    agent->status = agent_status::revoked;
    tx.accounts().update_agent(*agent);
    for (auto& k : tx.accounts().list_agent_keys(agent->id))
      if (k.status != key_status::revoked)
        revoke_key_row(tx.accounts(), k, now);
    audit_admin(tx, *call, "agent.deleted", agent->id);
  });
  call->reply(200, to_json(to_agent_info(*agent)));
}

void mint_key(backend_context& ctx, const api_call_ptr& call) {
  auto agent = app_agent(ctx, call);
  if (!agent)
    return;
  std::string key_name = "key";
  if (!call->request.body.empty()) {
    auto fields = fields_from_json(call->request.body);
    if (const auto* n = find_field(fields, "name"))
      key_name = *n;
  }
  if (key_name.size() > 128 || has_control_characters(key_name))
    return call->fail(
        make_error(error_code::invalid_request,
                   "a key name must be at most 128 printable characters"));
  if (agent->status == agent_status::revoked)
    return call->fail(make_error(error_code::agent_revoked, "the agent was deleted"));
  minted_key out;
  in_transaction(ctx.db, [&](transaction& tx) {
    out = mint_agent_key(tx.accounts(), *agent, key_name);
    audit_admin(tx, *call, "key.minted", out.key.key_id);
  });
  call->reply(201, to_json(out));
}

void list_keys(backend_context& ctx, const api_call_ptr& call) {
  auto agent = app_agent(ctx, call);
  if (!agent)
    return;
  key_list out;
  for (const auto& k : ctx.db.accounts().list_agent_keys(agent->id))
    out.items.push_back(to_key_info(k));
  call->reply(200, to_json(out));
}

/// deprecate, undeprecate and revoke: the key's new state, its audit row.
void change_key(backend_context& ctx, const api_call_ptr& call, const char* change) {
  auto agent = app_agent(ctx, call);
  if (!agent)
    return;
  auto key = agent_key(ctx, call, *agent);
  if (!key)
    return;
  std::string what = change;
  auto now = now_iso8601();
  if (what == "revoke") {
    if (key->status == key_status::revoked)
      return call->fail(
          make_error(error_code::key_already_revoked, "the key is already revoked"));
    bool force = bool_member(call->request.body, "force");
    auto keys = ctx.db.accounts().list_agent_keys(agent->id);
    // Expired keys (a rotation's grace period over) no longer count as live.
    auto now = std::chrono::system_clock::now();
    auto live = std::count_if(keys.begin(), keys.end(),
                              [&](const key_record& k) { return key_is_live(k, now); });
    if (live <= 1 && !force)
      return call->fail(make_error(error_code::last_active_key,
                                   "this is the agent's last active key: mint another "
                                   "first, or pass force=true"));
  } else if (key->status == key_status::revoked) {
    return call->fail(make_error(error_code::key_revoked, "the key is revoked"));
  }
  in_transaction(ctx.db, [&](transaction& tx) {
    if (what == "revoke") {
      revoke_key_row(tx.accounts(), *key, now);
    } else {
      key->status = what == "deprecate" ? key_status::deprecated : key_status::active;
      key->deprecated_at = what == "deprecate" ? now : std::string{};
      tx.accounts().update_key_state(*key);
    }
    audit_admin(tx, *call, "key." + what + "d", key->id);
  });
  call->reply(200, to_json(to_key_info(*key)));
}

} // namespace

void add_agent_routes(router& routes, backend_context& ctx) {
  using namespace scopes;
  // Everything but create: app keys only, never derived ones.
  auto bind = [&ctx](void (*fn)(backend_context&, const api_call_ptr&)) {
    return [&ctx, fn](const api_call_ptr& call) {
      if (refuse_agent(call, error_code::insufficient_scope,
                       "only app keys manage agents")
          || refuse_derived(call))
        return;
      fn(ctx, call);
    };
  };
  routes.add({
      route{"POST", "/v1/agents", agents_write,
            [&ctx](const api_call_ptr& c) { create_agent(ctx, c); }},
      route{"GET", "/v1/agents", agents_read, bind(list_agents)},
      route{"GET", "/v1/agents/{id}", agents_read,
            bind([](backend_context& ctx, const api_call_ptr& call) {
              if (auto agent = app_agent(ctx, call))
                call->reply(200, to_json(to_agent_info(*agent)));
            })},
      route{"GET", "/v1/agents/by-name/{name}", agents_read,
            bind([](backend_context& ctx, const api_call_ptr& call) {
              auto agent = ctx.db.accounts().find_live_agent_by_name(
                  call->identity.app_id(), call->params["name"]);
              if (!agent)
                return call->fail(make_error(error_code::agent_not_found,
                                             "no live agent with that name"));
              call->reply(200, to_json(to_agent_info(*agent)));
            })},
      route{"PATCH", "/v1/agents/{id}", agents_write, bind(update_agent)},
      route{"DELETE", "/v1/agents/{id}", agents_write, bind(delete_agent)},
      route{"POST", "/v1/agents/{id}/keys", agents_admin, bind(mint_key)},
      route{"GET", "/v1/agents/{id}/keys", agents_read, bind(list_keys)},
      route{"POST", "/v1/agents/{id}/keys/{key_id}/deprecate", agents_admin,
            bind([](backend_context& ctx, const api_call_ptr& call) {
              change_key(ctx, call, "deprecate");
            })},
      route{"POST", "/v1/agents/{id}/keys/{key_id}/undeprecate", agents_admin,
            bind([](backend_context& ctx, const api_call_ptr& call) {
              change_key(ctx, call, "undeprecate");
            })},
      route{"POST", "/v1/agents/{id}/keys/{key_id}/revoke", agents_admin,
            bind([](backend_context& ctx, const api_call_ptr& call) {
              change_key(ctx, call, "revoke");
            })},
  });
}

} // namespace alter::backend
