// Connect consent and sign-in sessions: what the API routes and the pages a
// person completes share. A session is known by its token, which only its
// creator and the page URL hold; the store keeps the token's hash.
#pragma once

#include <optional>
#include <string>

#include "backend/routes/routes.hpp"

namespace alter::backend {

constexpr auto session_lifetime_minutes = 10;

/// A fresh session token: `prefix` then 48 hex digits.
std::string new_session_token(const char* prefix);

/// The session of `token` of `kind` (connect or auth), with lazy expiry applied;
/// nullopt for an unknown token.
std::optional<interactive_session_record>
find_live_session(backend_context& ctx, const std::string& token, const char* kind);

/// The Connect consent and sign-in pages' route group: forms from `own_origin`
/// only (page_origin.hpp); the session token in the path is the credential.
route_group_spec interactive_page_group(const std::string& own_origin);

/// GET /connect/{token}, POST /connect/{token}/decision, GET /auth/{token} and
/// POST /auth/{token}/decision.
void add_interactive_page_routes(router& routes, backend_context& ctx);

} // namespace alter::backend
