#include "alter/backend/access/authenticator.hpp"

#include <charconv>

#include "alter/auth/api_key.hpp"
#include "alter/auth/constraints.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/liveness.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/validation.hpp"

namespace alter::backend {

namespace {

caf::error reject(error_code code, std::string message) {
  return to_caf_error(code, std::move(message));
}

std::string header_or_empty(const server_request& req, std::string_view name) {
  const auto* v = find_field(req.headers, name);
  return v ? *v : std::string{};
}

bool is_nonce(std::string_view s) {
  if (s.size() != 32)
    return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

} // namespace

authenticator::authenticator(store& db, std::function<int64_t()> clock)
    : db_(db), clock_(std::move(clock)) {
}

bool authenticator::record_nonce(const std::string& nonce, int64_t timestamp,
                                 int64_t now) {
  // One sweeper at a time, about ten times per window.
  auto last = last_nonce_sweep_.load();
  if (now - last >= max_clock_skew_seconds / 10 + 1
      && last_nonce_sweep_.compare_exchange_strong(last, now))
    db_.nonces().prune(now);
  // Acceptable while |now - timestamp| <= window: until timestamp + window.
  return db_.nonces().record(nonce, timestamp + max_clock_skew_seconds, now);
}

caf::expected<caller_identity> authenticator::authenticate(const server_request& req) {
  // 1. The key: present, well-formed, known, usable.
  const auto* key = find_field(req.headers, header::api_key);
  if (key == nullptr || key->empty())
    return reject(error_code::missing_api_key, "the x-api-key header is missing");
  if (!is_valid_key(*key))
    return reject(error_code::invalid_key, "the API key is not valid");
  auto record = db_.accounts().find_key_by_hash(crypto::sha256_hex(*key));
  // One answer for unknown, revoked and expired keys: callers learn nothing
  // about which keys exist.
  if (!record || !key_is_live(*record, std::chrono::system_clock::now()))
    return reject(error_code::invalid_key, "the API key is not valid");
  std::optional<agent_record> owner;
  if (!record->agent_id.empty()) {
    owner = db_.accounts().find_agent(record->agent_id);
    if (!owner || !agent_is_live(*owner))
      return reject(error_code::invalid_key, "the API key is not valid");
  }
  // 2. The timestamp: within the skew window of the backend's clock.
  auto ts_text = header_or_empty(req, header::timestamp);
  int64_t ts = 0;
  auto [ptr, ec] = std::from_chars(ts_text.data(), ts_text.data() + ts_text.size(), ts);
  if (ts_text.empty() || ec != std::errc{} || ptr != ts_text.data() + ts_text.size())
    return reject(error_code::invalid_signature,
                  "the x-alter-timestamp header is missing or not a number");
  auto now = clock_();
  if (ts < now - max_clock_skew_seconds || ts > now + max_clock_skew_seconds)
    return reject(error_code::timestamp_out_of_range,
                  "the request timestamp is more than "
                      + std::to_string(max_clock_skew_seconds)
                      + " s away from the backend's clock");
  // 3. The signature, under the key derived from the presented key.
  auto nonce = header_or_empty(req, header::nonce);
  if (!is_nonce(nonce))
    return reject(error_code::invalid_signature,
                  "the x-alter-nonce header must be 32 lower-case hex digits");
  auto signature = header_or_empty(req, header::signature);
  auto constraints = header_or_empty(req, header::constraints);
  if (!verify_signature(derive_signing_key(*key), signature, req.method, req.target,
                        req.body, ts_text, nonce, constraints))
    return reject(error_code::invalid_signature,
                  "the request signature does not match");
  // 4. The nonce: only after the signature, so nobody can burn others' nonces.
  if (!record_nonce(nonce, ts, now))
    return reject(error_code::nonce_replayed, "this request was already received");
  caller_identity id;
  // 5. Attenuation: signed, so decoded only now; it may only narrow the key.
  if (!constraints.empty()) {
    auto decoded = decode_constraints_header(constraints);
    if (!decoded)
      return decoded.error();
    if (!set_implies_all(record->scopes, decoded->scopes))
      return reject(error_code::constraint_not_narrowing,
                    "the constraint scopes are not all implied by the key's scopes");
    id.constraints = std::move(*decoded);
  }
  id.key = std::move(*record);
  id.caller = header_or_empty(req, header::caller);
  id.caller_type = header_or_empty(req, header::caller_type);
  id.user_token = header_or_empty(req, header::user_token);
  if (owner) {
    id.agent = std::move(owner);
    if (!id.user_token.empty())
      return reject(error_code::user_token_not_allowed,
                    "agents do not impersonate users: an agent key cannot carry "
                    "a user token");
  } else if (id.caller_type == "agent" && is_uuid(id.caller)) {
    // An app key acting as one of its agents (App.get_agent).
    auto agent = db_.accounts().find_agent(id.caller);
    if (!agent || agent->app_id != id.key.app_id || !agent_is_live(*agent))
      return reject(error_code::agent_not_found,
                    "no agent " + id.caller + " in this app");
    id.agent = std::move(agent);
    id.impersonating = true;
  }
  // 6. Identity mode: the end user's JWT, verified by the identity provider.
  auto user_named_by = [&](const std::string& token,
                           std::string_view what) -> caf::expected<app_user_record> {
    auto user = idp_ ? idp_->user_of(id.key.app_id, token) : std::nullopt;
    if (!user)
      return reject(error_code::reauth_required, "the " + std::string{what}
                                                     + " is invalid or expired: sign "
                                                       "the user in again");
    if (user->status != app_user_status::active)
      return reject(error_code::reauth_required, "the user is suspended");
    return std::move(*user);
  };
  if (!id.user_token.empty()) {
    auto user = user_named_by(id.user_token, "user token");
    if (!user)
      return user.error();
    id.user = std::move(*user);
  }
  // 7. An agent's end user, for delegation only (caller_identity.hpp).
  auto delegation = header_or_empty(req, header::delegation_token);
  if (!delegation.empty()) {
    if (!id.agent)
      return reject(error_code::invalid_request,
                    "x-alter-delegation-token is for agents; an app sends the "
                    "user's JWT as x-alter-user-token");
    auto user = user_named_by(delegation, "delegation token");
    if (!user)
      return user.error();
    id.delegating_user = std::move(*user);
  }
  return id;
}

} // namespace alter::backend
