// The keys namespace: derive (a short-lived, narrower key of the caller's own),
// rotate (a successor; the old key lives for a grace period) and revoke
// (immediate, with every key derived from it).
#include "alter/messages/keys.hpp"
#include "alter/auth/api_key.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/liveness.hpp"
#include "alter/backend/routes/account_views.hpp"
#include "alter/backend/routes/route_helpers.hpp"
#include "alter/messages/validation.hpp"

namespace alter::backend {

namespace {

constexpr int64_t thirty_days = int64_t{30} * 24 * 3600;

/// The type a successor is minted as: personal and legacy keys get runtime keys.
key_type minted_type(key_type t) {
  return t == key_type::agent || t == key_type::derived ? t : key_type::runtime;
}

/// A fresh key like `model` (type, owner, scopes, name, parent).
key_record successor(const key_record& model, std::string& plaintext) {
  plaintext = generate_key(minted_type(model.key_type));
  key_record k = model;
  k.id = crypto::random_uuid();
  k.key_hash = crypto::sha256_hex(plaintext);
  k.key_prefix = key_prefix(plaintext);
  if (k.key_type == key_type::legacy)
    k.key_type = key_type::runtime;
  k.status = key_status::active;
  k.created_at = now_iso8601();
  // A derived key's successor lives no longer than the key it replaces.
  if (model.key_type != key_type::derived)
    k.expires_at.clear();
  k.deprecated_at.clear();
  k.revoked_at.clear();
  return k;
}

/// True when `target` is `caller` or was derived from it, at any depth.
bool derives_from(backend_context& ctx, key_record target, const std::string& caller) {
  for (int depth = 0; depth < 64; ++depth) {
    if (target.id == caller)
      return true;
    if (target.parent_key_id.empty())
      return false;
    auto parent = ctx.db.accounts().find_key(target.parent_key_id);
    if (!parent)
      return false;
    target = std::move(*parent);
  }
  return false;
}

/// The {key_id} key of the caller's app, or the call is answered key_not_found.
/// A derived key manages only itself and the keys derived from it.
std::optional<key_record> app_key(backend_context& ctx, const api_call_ptr& call) {
  const auto& id = call->params["key_id"];
  auto key = is_uuid(id) ? ctx.db.accounts().find_key(id) : std::nullopt;
  const auto& caller = call->identity.key;
  if (!key || key->app_id != call->identity.app_id()
      || (caller.key_type == key_type::derived
          && !derives_from(ctx, *key, caller.id))) {
    call->fail(make_error(error_code::key_not_found, "no key with that id"));
    return std::nullopt;
  }
  return key;
}

void derive(backend_context& ctx, const api_call_ptr& call) {
  auto body = read_body<key_derivation>(call);
  if (!body)
    return;
  if (body->scopes.empty() || body->scopes.size() > 64 || body->expires_in < 60
      || body->expires_in > thirty_days)
    return call->fail(make_error(error_code::invalid_request,
                                 "derive needs 1-64 scopes and expires_in of 60 "
                                 "seconds to 30 days"));
  for (const auto& s : body->scopes)
    if (!parse_scope(s))
      return call->fail(make_error(error_code::invalid_request,
                                   "'" + s.substr(0, 64) + "' is not a scope"));
  const auto& id = call->identity;
  bool narrows = set_implies_all(id.key.scopes, body->scopes)
                 && (!id.constraints || id.constraints->scopes.empty()
                     || set_implies_all(id.constraints->scopes, body->scopes));
  if (!narrows)
    return call->fail(make_error(error_code::constraint_not_narrowing,
                                 "a derived key may only have scopes its parent "
                                 "already implies"));
  minted_key out;
  auto parent = id.key;
  parent.key_type = key_type::derived;
  auto k = successor(parent, out.api_key);
  k.name = "derived";
  k.scopes = body->scopes;
  k.parent_key_id = id.key.id;
  k.expires_at = now_iso8601(std::chrono::seconds{body->expires_in});
  // Never outliving its parent.
  if (expires_sooner(id.key.expires_at, k.expires_at))
    k.expires_at = id.key.expires_at;
  in_transaction(ctx.db, [&](transaction& tx) {
    tx.accounts().insert_key(k);
    audit_admin(tx, *call, "key.derived", k.id);
  });
  out.key = to_key_info(k);
  call->reply(201, to_json(out));
}

void rotate(backend_context& ctx, const api_call_ptr& call) {
  auto old = app_key(ctx, call);
  if (!old)
    return;
  auto body = read_body<key_rotation>(call);
  if (!body)
    return;
  if (body->grace_period_seconds < 0 || body->grace_period_seconds > thirty_days)
    return call->fail(make_error(error_code::invalid_request,
                                 "grace_period_seconds must be 0 to 30 days"));
  if (old->status == key_status::revoked)
    return call->fail(make_error(error_code::key_revoked, "the key is revoked"));
  minted_key out;
  auto fresh = successor(*old, out.api_key);
  auto grace_end = now_iso8601(std::chrono::seconds{body->grace_period_seconds});
  in_transaction(ctx.db, [&](transaction& tx) {
    tx.accounts().insert_key(fresh);
    if (body->grace_period_seconds == 0) {
      old->status = key_status::revoked;
      old->revoked_at = now_iso8601();
      tx.accounts().revoke_derived_keys(old->id, old->revoked_at);
    } else if (expires_sooner(grace_end, old->expires_at)) {
      old->expires_at = grace_end;
      tx.accounts().cap_derived_expiry(old->id, grace_end);
    }
    tx.accounts().update_key_state(*old);
    audit_admin(tx, *call, "key.rotated", old->id);
  });
  out.key = to_key_info(fresh);
  call->reply(201, to_json(out));
}

void revoke(backend_context& ctx, const api_call_ptr& call) {
  auto key = app_key(ctx, call);
  if (!key)
    return;
  if (key->status == key_status::revoked)
    return call->fail(
        make_error(error_code::key_already_revoked, "the key is already revoked"));
  auto now = now_iso8601();
  in_transaction(ctx.db, [&](transaction& tx) {
    key->status = key_status::revoked;
    key->revoked_at = now;
    tx.accounts().update_key_state(*key);
    tx.accounts().revoke_derived_keys(key->id, now);
    audit_admin(tx, *call, "key.revoked", key->id);
  });
  call->reply(200, to_json(to_key_info(*key)));
}

} // namespace

void add_key_routes(router& routes, backend_context& ctx) {
  auto bind = [&ctx](void (*fn)(backend_context&, const api_call_ptr&)) {
    return [&ctx, fn](const api_call_ptr& call) { fn(ctx, call); };
  };
  routes.add({
      route{"POST", "/v1/keys/derive", scopes::keys_derive, bind(derive)},
      route{"POST", "/v1/keys/{key_id}/rotate", scopes::keys_admin, bind(rotate)},
      route{"POST", "/v1/keys/{key_id}/revoke", scopes::keys_admin, bind(revoke)},
  });
}

} // namespace alter::backend
