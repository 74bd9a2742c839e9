// Simulated provider APIs served by the local backend, so both call paths run
// for real. A provider answers only a request that carries the credential of one
// of its grants, injected exactly as that secret's metadata says, and echoes what
// it received:
//
//   {path}/{provider_id}/...           -> 200 {"provider", "method", "path",
//                                              "query", "headers", "body"}
//   {path}/{provider_id}/status/{code} -> that status, same echo
//   missing or wrong credential        -> 401 {"error": "invalid_credential"}
//
// sim-oauth is an OAuth 2.0 provider: its authorization server
// (oauth_authorization_server.hpp) serves {path}/sim-oauth/oauth/..., and its
// API accepts only a live access token that server issued, with every scope
// the provider's record requires (else 403 {"error": "insufficient_scope"}).
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "alter/backend/http/http_server.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

/// Counts executions per request path, so tests can prove "at most once".
class provider_hits {
public:
  /// With `log_path`, every execution is also appended to that file as one
  /// line, written before the answer leaves (see backend_options).
  explicit provider_hits(const std::string& log_path = {});
  ~provider_hits();
  provider_hits(const provider_hits&) = delete;
  provider_hits& operator=(const provider_hits&) = delete;

  void record(const std::string& path);
  int64_t count(const std::string& path) const;
  /// The highest count of any path.
  int64_t max_count() const;
  int64_t total() const;

private:
  mutable std::mutex mtx_;
  std::unordered_map<std::string, int64_t> counts_;
  int log_fd_ = -1;
};

class oauth_authorization_server;

/// The request handler of the provider server; counts authenticated requests.
request_handler
make_provider_simulator(store& db, std::shared_ptr<provider_hits> hits,
                        std::shared_ptr<oauth_authorization_server> oauth);

/// The simulated providers and how each expects its credential.
struct simulated_provider {
  const char* id;
  const char* injection_header;
  const char* injection_format;
  /// Extra injections as JSON (the wire's additional_injections).
  const char* additional_injections_json;
  /// Grants come from OAuth 2.0 authorizations at the provider's own server.
  bool oauth = false;
};

inline constexpr simulated_provider simulated_providers[] = {
    {"sim-bearer", "Authorization", "Bearer {token}", "[]"},
    {"sim-apikey", "X-API-Key", "{token}", "[]"},
    {"sim-query", "", "{token}",
     R"([{"target":"query","key":"api_key","value_source":"token"}])"},
    {"sim-oauth", "Authorization", "Bearer {token}", "[]", true},
};

/// This backend's client id at the simulated OAuth providers.
inline constexpr const char* simulated_oauth_client_id = "alter-local";

} // namespace alter::backend
