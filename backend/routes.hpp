// The /v1 routes, one file per concern. Each adds its routes to the router.
#pragma once

#include <chrono>
#include <cstddef>

#include "backend/api_router.hpp"
#include "backend/store.hpp"
#include "backend/upstream_client.hpp"

namespace alter::backend {

/// What routes share: the store, the upstream client and the proxy limits.
struct backend_context {
  store& db;
  upstream_client& upstream;
  /// Upstream bodies above this are cut and flagged body_truncated.
  std::size_t max_proxy_body = 1024 * 1024;
  std::chrono::milliseconds upstream_timeout{30000};
};

/// GET /v1/me
void add_identity_routes(api_router& router, backend_context& ctx);

/// POST /v1/tokens/retrieve, POST /v1/proxy/execute
void add_credential_routes(api_router& router, backend_context& ctx);

/// GET /v1/grants
void add_grant_routes(api_router& router, backend_context& ctx);

} // namespace alter::backend
