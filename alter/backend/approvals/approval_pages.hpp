// The approval page at {base_url}/approvals/{id}: the held request for a human,
// with Approve and Deny.
//
// Protection: only an approver decides. An approver signs in once with an
// approver token (made by `alter-local approver add` or at bootstrap; stored
// hashed); the page then keeps an HttpOnly, SameSite=Strict session cookie
// scoped to /approvals, and every decision and sign-out form carries the
// session's CSRF token. Every POST (sign-in included) must come from the
// backend's own origin (page_origin.hpp). The group's chain does these checks;
// the handlers find call->approver set.
// Sign-out ends the session in the store and clears the cookie. The approval
// URL itself holds no secret, so the agent that received it cannot approve its
// own call, and the page never shows a credential.
#pragma once

#include <chrono>

#include "alter/backend/api/router.hpp"
#include "alter/backend/http/http_server.hpp"

namespace alter::backend {

struct backend_context;

struct approval_page_options {
  /// Adds Secure to the session cookie (the API is served over TLS).
  bool secure_cookies = true;
  /// How long a sign-in lasts (backend_options::approver_session_ttl).
  std::chrono::seconds session_lifetime{60 * 60};
};

/// The approval pages' route group: before routing, forms from `own_origin`
/// only (page_origin.hpp); after routing, the approver session from the cookie,
/// the sign-in form for a signed-out visitor, and every other form's CSRF
/// token (route::approver says which applies). Anything unrouted is a 404 page.
route_group_spec approval_page_group(backend_context& ctx,
                                     const std::string& own_origin);

/// GET /approvals/{id}, POST /approvals/login, POST /approvals/logout and
/// POST /approvals/{id}/decision.
void add_approval_page_routes(router& routes, backend_context& ctx,
                              const approval_page_options& options);

} // namespace alter::backend
