// Connect consent and sign-in sessions: what the API routes and the pages a
// person completes share. A session is known by its token, which only its
// creator and the page URL hold; the store keeps the token's hash.
#pragma once

#include <optional>
#include <string>

#include "alter/backend/routes/routes.hpp"

namespace alter::backend {

constexpr auto session_lifetime_minutes = 10;

/// A fresh session token: `prefix` then 48 hex digits.
std::string new_session_token(const char* prefix);

/// The session of `token` of `kind` (connect or auth), with lazy expiry applied;
/// nullopt for an unknown token.
std::optional<interactive_session_record>
find_live_session(backend_context& ctx, const std::string& token, session_kind kind);

/// Approve on the Connect page: one OAuth-style grant per allowed provider for
/// the session's user, delegated to its agent when it has one, audited; all or
/// nothing. False when the session was decided concurrently; throws
/// std::invalid_argument for an unreadable session.
bool approve_connect(backend_context& ctx, const interactive_session_record& s,
                     const std::string& account);

/// A managed-secret session (secret_provider): stores `secret_value` sealed and
/// makes the grant of it, delegated to the session's agent if any. False when
/// another decision won.
bool approve_managed_secret(backend_context& ctx, const interactive_session_record& s,
                            const std::string& secret_value);

/// Deny on the Connect page; false when the session was decided concurrently.
bool deny_connect(backend_context& ctx, const interactive_session_record& s);

enum class connect_completion {
  completed,
  /// The session was decided concurrently.
  already_decided,
  /// The grant to re-authorise was revoked or expired meanwhile: the session
  /// failed.
  grant_gone,
};

/// An OAuth authorization for a Connect session came back with tokens: the
/// grant for the session's user (delegated to its agent), or new tokens for
/// the grant it re-authorises, sealed, the audit row and the completed
/// session, all or nothing.
connect_completion complete_oauth_connect(backend_context& ctx,
                                          const interactive_session_record& s,
                                          const provider_record& provider,
                                          oauth_token_record tokens);

/// The provider refused or failed the authorization (not the person's
/// denial): the session ends as failed, audited with `reason` (no secret).
bool fail_connect(backend_context& ctx, const interactive_session_record& s,
                  const std::string& provider_id, const std::string& reason);

/// A person signed in at the local identity provider as `username`: the app's
/// user (created on first sight), a token for the waiting app, the audit row.
/// False when the session was completed concurrently.
bool complete_sign_in(backend_context& ctx, const interactive_session_record& s,
                      const std::string& username);

/// Audits a refused password (never the password itself).
void record_failed_sign_in(backend_context& ctx, const interactive_session_record& s);

/// The Connect consent and sign-in pages' route group: forms from `own_origin`
/// only (page_origin.hpp); the session token in the path is the credential.
route_group_spec interactive_page_group(const std::string& own_origin);

/// GET /connect/{token}, POST /connect/{token}/decision, GET /auth/{token} and
/// POST /auth/{token}/decision.
void add_interactive_page_routes(router& routes, backend_context& ctx);

} // namespace alter::backend
