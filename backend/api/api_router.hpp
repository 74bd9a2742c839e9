// Routes /v1 requests: authentication first, then the route's scope, then the
// route itself. Every error leaves as the wire protocol's envelope.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backend/api/api_call.hpp"
#include "backend/access/authenticator.hpp"

namespace alter::backend {

using route_handler = std::function<void(api_call_ptr)>;

struct route {
  std::string method;
  /// Segments; "{name}" matches one segment and lands in api_call::params.
  std::string pattern;
  /// The key scope the route needs; empty: any valid key.
  std::string required_scope;
  /// Whether a paused (inactive) agent may still call it (only /v1/me).
  bool allows_inactive_agent = false;
  /// Whether the scope is checked against the key alone, not its constraints:
  /// the SDK's own bookkeeping (audit reports) works for constrained clients.
  bool key_scope_only = false;
  route_handler handler;
};

class api_router {
public:
  explicit api_router(authenticator& auth) : auth_(auth) {
  }

  void add(route r);

  /// The server's request handler for every path under /v1/.
  void handle(server_request req, responder respond);

private:
  authenticator& auth_;
  std::vector<route> routes_;
};

/// Matches "/v1/agents/{id}" against a path; fills `params` on success.
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params);

} // namespace alter::backend
