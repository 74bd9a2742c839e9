// What completing a Connect or sign-in session does; the pages that ask the
// person (interactive_pages.cpp) only render and read forms.
#include "alter/backend/identity/interactive_sessions.hpp"

#include <algorithm>
#include <stdexcept>

#include "alter/auth/crypto.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/access/liveness.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/identity.hpp"
#include "alter/messages/json_codec.hpp"

namespace alter::backend {

namespace {

/// Thrown inside a transaction when another decision won: rolls it back.
struct decided_concurrently {};

/// The audit row of a person's decision (no API key: the session names the app).
void audit_session(repositories& db, const interactive_session_record& s,
                   std::string action, audit_outcome outcome,
                   const std::string& grant_id, const std::string& provider_id = {},
                   grant_kind kind = grant_kind::oauth) {
  audit_record row;
  row.created_at = now_iso8601();
  row.request_id = crypto::random_hex(16);
  row.action = std::move(action);
  row.outcome = outcome;
  row.app_id = s.app_id;
  row.agent_id = s.agent_id;
  row.grant_id = grant_id;
  row.provider_id = provider_id;
  row.principal_type
      = s.kind == session_kind::connect ? to_string(principal_type::user) : "";
  row.grant_kind = grant_id.empty() ? "" : to_string(kind);
  row.status_code = 200;
  if (!write_audit(db, row))
    throw std::runtime_error{"the audit row could not be written"};
}

/// What completing a session makes of one credential: `secret` stored and a
/// grant of it, the session's user's (or the app's own when it names none:
/// whoever holds the link must not pick whose grant it becomes), delegated to
/// the session's agent, audited. Returns the session's result for it.
connect_result grant_of_session(transaction& tx, const interactive_session_record& s,
                                const connect_request& req, const secret_record& secret,
                                grant_kind kind, const std::string& account,
                                std::vector<std::string> scopes) {
  tx.secrets().insert(secret);
  grant_record g;
  g.id = crypto::random_uuid();
  g.app_id = s.app_id;
  g.grant_kind = kind;
  g.managed_secret_id = secret.id;
  g.provider_id = secret.provider_id;
  g.principal_type = principal_type::user;
  g.principal_id = s.user_id;
  g.account_identifier = account;
  g.scopes = std::move(scopes);
  g.expires_at = grant_expiry(req.grant_policy).value_or("");
  g.created_at = now_iso8601();
  tx.grants().insert(g);
  if (!s.agent_id.empty())
    tx.grants().delegate(g.id, s.agent_id, g.created_at);
  audit_session(tx, s, "connect.completed", audit_outcome::success, g.id, g.provider_id,
                kind);
  return {g.id, g.provider_id, account, g.scopes, req.grant_policy};
}

/// Runs `make` (which adds the session's results) and the session's
/// completion in one transaction: all or nothing. False when another decision
/// won the session.
template <class Make>
bool complete_session(backend_context& ctx, const interactive_session_record& s,
                      Make make) {
  connect_status done{"completed", {}};
  try {
    in_transaction(ctx.db, [&](transaction& tx) {
      make(tx, done.results);
      if (!tx.sessions().complete(s.token_hash, session_status::completed,
                                  to_json(done)))
        throw decided_concurrently{};
    });
  } catch (const decided_concurrently&) {
    return false;
  }
  return true;
}

} // namespace

std::string new_session_token(const char* prefix) {
  return prefix + crypto::random_hex(24);
}

std::optional<interactive_session_record>
find_live_session(backend_context& ctx, const std::string& token, session_kind kind) {
  if (token.size() > 128)
    return std::nullopt;
  auto s = ctx.db.sessions().find(crypto::sha256_hex(token));
  if (!s || s->kind != kind)
    return std::nullopt;
  if (s->status == session_status::pending
      && has_expired(s->expires_at, std::chrono::system_clock::now())) {
    ctx.db.sessions().complete(s->token_hash, session_status::expired, s->result_json);
    s->status = session_status::expired;
  }
  return s;
}

bool approve_connect(backend_context& ctx, const interactive_session_record& s,
                     const std::string& account) {
  auto req = from_json<connect_request>(s.request_json);
  if (!req)
    throw std::invalid_argument{"the session is unreadable"};
  std::vector<provider_record> providers;
  for (const auto& p : ctx.db.grants().list_providers())
    if (p.is_oauth())
      continue; // its grant comes from its own authorization (connect_flow)
    else if (req->allowed_providers.empty()
             || std::find(req->allowed_providers.begin(), req->allowed_providers.end(),
                          p.id)
                    != req->allowed_providers.end())
      providers.push_back(p);
  return complete_session(ctx, s, [&](transaction& tx, auto& results) {
    for (const auto& p : providers)
      results.push_back(grant_of_session(tx, s, *req, make_secret(s.app_id, p, "user"),
                                         grant_kind::oauth, account,
                                         {"read", "write"}));
  });
}

bool approve_managed_secret(backend_context& ctx, const interactive_session_record& s,
                            const std::string& secret_value) {
  auto req = from_json<connect_request>(s.request_json);
  if (!req || req->secret_provider.empty())
    throw std::invalid_argument{"the session is unreadable"};
  auto provider = ctx.db.grants().find_provider(req->secret_provider);
  if (!provider)
    throw std::invalid_argument{"the session's provider is gone"};
  return complete_session(ctx, s, [&](transaction& tx, auto& results) {
    // The value the person typed, sealed by the store like every secret.
    auto secret = make_secret(s.app_id, *provider, "user");
    secret.value = secret_value;
    secret.name = provider->id + " secret entered on a Connect page";
    results.push_back(
        grant_of_session(tx, s, *req, secret, grant_kind::managed_secret, {}, {}));
  });
}

namespace {

struct grant_gone {};

/// A consent for a grant that exists: its tokens are replaced (valid again,
/// a new generation, so no refresh begun before can write over them).
connect_completion reauthorise(backend_context& ctx,
                               const interactive_session_record& s,
                               const connect_request& req,
                               const provider_record& provider,
                               oauth_token_record tokens) {
  connect_status done{"completed", {}};
  try {
    in_transaction(ctx.db, [&](transaction& tx) {
      auto g = tx.grants().find(req.reauth_grant_id);
      if (!g || g->provider_id != provider.id || !check_grant_state(*g)
          || !consent_may_renew(*g, s.user_id))
        throw grant_gone{};
      auto before = tx.oauth().find_tokens(g->id);
      tokens.grant_id = g->id;
      tokens.refreshed_at = now_iso8601();
      tokens.generation = before ? before->generation + 1 : 0;
      tx.oauth().put_tokens(tokens);
      // The grant keeps its own expiry: a renewal is no new grant policy.
      connect_result r{g->id, provider.id, g->account_identifier, tokens.scopes, {}};
      r.operation = "reauth";
      done.results.push_back(std::move(r));
      audit_session(tx, s, "connect.completed", audit_outcome::success, g->id,
                    g->provider_id);
      if (!tx.sessions().complete(s.token_hash, session_status::completed,
                                  to_json(done)))
        throw decided_concurrently{};
    });
  } catch (const decided_concurrently&) {
    return connect_completion::already_decided;
  } catch (const grant_gone&) {
    fail_connect(ctx, s, provider.id,
                 "the grant to re-authorise was revoked or expired");
    return connect_completion::grant_gone;
  }
  return connect_completion::completed;
}

} // namespace

connect_completion complete_oauth_connect(backend_context& ctx,
                                          const interactive_session_record& s,
                                          const provider_record& provider,
                                          oauth_token_record tokens) {
  auto req = from_json<connect_request>(s.request_json);
  if (!req)
    throw std::invalid_argument{"the session is unreadable"};
  if (!req->reauth_grant_id.empty())
    return reauthorise(ctx, s, *req, provider, std::move(tokens));
  grant_record g;
  g.id = crypto::random_uuid();
  g.app_id = s.app_id;
  g.grant_kind = grant_kind::oauth;
  g.provider_id = provider.id;
  g.principal_type = principal_type::user;
  g.principal_id = s.user_id;
  g.scopes = tokens.scopes;
  g.expires_at = grant_expiry(req->grant_policy).value_or("");
  g.created_at = now_iso8601();
  tokens.grant_id = g.id;
  tokens.refreshed_at = g.created_at;
  connect_status done{"completed",
                      {{g.id, provider.id, {}, g.scopes, req->grant_policy}}};
  try {
    in_transaction(ctx.db, [&](transaction& tx) {
      tx.grants().insert(g);
      tx.oauth().put_tokens(tokens);
      if (!s.agent_id.empty())
        tx.grants().delegate(g.id, s.agent_id, g.created_at);
      audit_session(tx, s, "connect.completed", audit_outcome::success, g.id,
                    g.provider_id);
      if (!tx.sessions().complete(s.token_hash, session_status::completed,
                                  to_json(done)))
        throw decided_concurrently{};
    });
  } catch (const decided_concurrently&) {
    return connect_completion::already_decided;
  }
  return connect_completion::completed;
}

bool fail_connect(backend_context& ctx, const interactive_session_record& s,
                  const std::string& provider_id, const std::string& reason) {
  try {
    in_transaction(ctx.db, [&](transaction& tx) {
      if (!tx.sessions().complete(s.token_hash, session_status::failed,
                                  to_json(connect_status{"failed", {}})))
        throw decided_concurrently{};
      audit_record row;
      row.created_at = now_iso8601();
      row.request_id = crypto::random_hex(16);
      row.action = "connect.failed";
      row.outcome = audit_outcome::error;
      row.app_id = s.app_id;
      row.agent_id = s.agent_id;
      row.provider_id = provider_id;
      row.error_code = std::string{name_of(error_code::connect_flow_failed)};
      row.reason = reason;
      if (!write_audit(tx, row))
        throw std::runtime_error{"the audit row could not be written"};
    });
  } catch (const decided_concurrently&) {
    return false;
  }
  return true;
}

bool deny_connect(backend_context& ctx, const interactive_session_record& s) {
  try {
    in_transaction(ctx.db, [&](transaction& tx) {
      if (!tx.sessions().complete(s.token_hash, session_status::denied,
                                  to_json(connect_status{"denied", {}})))
        throw decided_concurrently{};
      audit_session(tx, s, "connect.denied", audit_outcome::denied, {});
    });
  } catch (const decided_concurrently&) {
    return false;
  }
  return true;
}

bool complete_sign_in(backend_context& ctx, const interactive_session_record& s,
                      const std::string& username) {
  auth_status done{"completed",
                   ctx.idp->issue(s.app_id, username, 3600, {{"name", username}}),
                   {{"sub", username}, {"name", username}}};
  try {
    in_transaction(ctx.db, [&](transaction& tx) {
      tx.accounts().user_for_subject(s.app_id, username);
      if (!tx.sessions().complete(s.token_hash, session_status::completed,
                                  to_json(done)))
        throw decided_concurrently{};
      audit_session(tx, s, "auth.completed", audit_outcome::success, {});
    });
  } catch (const decided_concurrently&) {
    return false;
  }
  return true;
}

void record_failed_sign_in(backend_context& ctx, const interactive_session_record& s) {
  try {
    audit_session(ctx.db, s, "auth.failed", audit_outcome::denied, {});
  } catch (const std::runtime_error&) {
    // The refusal stands either way.
  }
}

} // namespace alter::backend
