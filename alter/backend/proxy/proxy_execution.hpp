// Calling the provider for a proxied request: the URL checked against the
// provider, the grant's credential injected, the upstream answer turned into a
// proxy_result. Shared by direct proxy calls and approved ones.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "alter/backend/routes/routes.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

struct provider_outcome {
  bool ok = false;
  proxy_result result;
  /// When !ok: upstream_unreachable / upstream_timeout, or what stopped the call
  /// before it left (url_not_allowed, a grant or credential error).
  alter_error error;
  /// Whether the provider may have seen the request.
  bool request_sent = false;
};

/// What checking a proxy request worked out, kept so that the call decodes and
/// parses nothing twice: the decoded body_b64 and the parsed URL.
struct checked_proxy_request {
  std::string body;
  net::url url;
};

/// Checks the request's method, headers, body and URL (invalid_request,
/// forbidden_header, url_not_allowed): the checked parts, or the first error.
std::variant<checked_proxy_request, alter_error>
check_proxy_request(store& db, const proxy_request& req, const grant_record& grant);

/// The Idempotency-Key the provider sees for a call keyed `key` by `app_id`:
/// derived, so one app's keys never collide with another's at a provider they
/// share, and the caller's own value stays with the backend.
std::string upstream_idempotency_key(const std::string& app_id, const std::string& key);

/// Injects the grant's credential and calls the provider; `done` runs once, on
/// a worker of ctx.workers (on the calling thread when the call never left). With
/// `idempotency_key` (upstream_idempotency_key), the request carries it unless the
/// caller set one: a provider that honours it deduplicates, and a request that failed
/// on a reused connection before any answer byte may be sent once more
/// (upstream_client). The request carries `traceparent` (replacing any the
/// caller set), so the provider sees the trace the audit row names.
void call_provider(backend_context& ctx, const grant_record& grant,
                   const proxy_request& req, const std::string& idempotency_key,
                   const std::string& traceparent,
                   std::function<void(provider_outcome)> done);

/// The same for a request check_proxy_request passed just now (for this grant).
void call_provider(backend_context& ctx, const grant_record& grant,
                   const proxy_request& req, checked_proxy_request checked,
                   const std::string& idempotency_key, const std::string& traceparent,
                   std::function<void(provider_outcome)> done);

} // namespace alter::backend
