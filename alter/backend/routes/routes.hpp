// The /v1 routes, one file per concern. Each adds its entries of the route
// table (backend/api/router.hpp) to the router.
#pragma once

#include <chrono>
#include <cstddef>

#include <functional>

#include "alter/backend/api/router.hpp"
#include "alter/backend/policy/policy_engine.hpp"
#include "alter/backend/proxy/upstream_client.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

class approval_desk;
class identity_provider;
class request_executor;
class rule_book;
class sign_in_throttle;
class token_refresher;

/// What routes share: the store, the upstream client and the proxy limits.
struct backend_context {
  store& db;
  upstream_client& upstream;
  /// Upstream bodies above this are cut and flagged body_truncated.
  std::size_t max_proxy_body = 1024 * 1024;
  std::chrono::milliseconds upstream_timeout{30000};
  /// How long an Idempotency-Key claim may stay unfinished before it counts as
  /// abandoned by a dead owner: well beyond the upstream timeout.
  std::chrono::seconds idempotency_lease{60};
  /// Live peers may use the database too (store::shared_by_instances, or told
  /// so): work another owner left unfinished is abandoned only once its lease
  /// is over, never just because this process started.
  bool database_shared = false;
  /// Stored rules, parsed once (when stored or first loaded).
  rule_book* rules = nullptr;
  /// Held calls and their decisions.
  approval_desk* approvals = nullptr;
  /// The worker pool: continuations that touch the store (an upstream
  /// answer) hop back to it from the I/O thread they complete on.
  request_executor* workers = nullptr;
  /// The longest an approval status request is held (clients ask for <= 30 s).
  std::chrono::seconds max_long_poll{30};
  /// Unix seconds (the authenticator's clock: tests may move it).
  std::function<int64_t()> clock;
  /// Signs and verifies end-user JWTs.
  identity_provider* idp = nullptr;
  /// What clients use as base_url; page links (Connect, sign-in) start with it.
  std::string base_url;
  /// Failed password sign-ins at the identity provider's page.
  sign_in_throttle* sign_in_failures = nullptr;
  /// backend_options::insecure_dev_sign_in: any typed name signs in.
  bool open_sign_in = false;
  /// Keeps OAuth grants' access tokens fresh (null: tokens are used as stored).
  token_refresher* tokens = nullptr;
};

/// GET /v1/me
void add_identity_routes(router& routes, backend_context& ctx);

/// POST /v1/tokens/retrieve, POST /v1/proxy/execute
void add_credential_routes(router& routes, backend_context& ctx);

/// GET /v1/grants
void add_grant_routes(router& routes, backend_context& ctx);

/// POST /v1/grants/managed-secret, POST /v1/grants/{id}/revoke, DELETE
/// /v1/grants/{id}/delegations/{agent_id}, DELETE /v1/grants/{id}/delegation
void add_grant_admin_routes(router& routes, backend_context& ctx);

/// /v1/agents and /v1/agents/{id}/keys (the agents namespace)
void add_agent_routes(router& routes, backend_context& ctx);

/// POST /v1/keys/derive, /v1/keys/{id}/rotate, /v1/keys/{id}/revoke
void add_key_routes(router& routes, backend_context& ctx);

/// POST/GET /v1/connect/sessions, GET /v1/oauth/providers
void add_connect_routes(router& routes, backend_context& ctx);

/// GET /v1/scopes, POST /v1/identity/verify|resolve, POST/GET /v1/auth/sessions
void add_catalog_and_identity_routes(router& routes, backend_context& ctx);

/// GET/POST /v1/rules, PATCH/DELETE /v1/rules/{id}
void add_policy_routes(router& routes, backend_context& ctx);

/// GET /v1/approvals/{id}[?wait=], GET /v1/approvals/{id}/result
void add_approval_routes(router& routes, backend_context& ctx);

/// GET /v1/audit?after=&limit=, POST /v1/audit/events
void add_audit_routes(router& routes, backend_context& ctx);

} // namespace alter::backend
