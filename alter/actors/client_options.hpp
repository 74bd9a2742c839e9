// The options of App and Agent, as the SDK reference names them, plus base_url and
// TLS trust.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "caf/actor.hpp"

#include "alter/actors/retry_policy.hpp"
#include "alter/net/endpoint.hpp"

namespace alter {

enum class caller_type { service, agent };

std::string_view to_string(caller_type t) noexcept;

struct client_options {
  /// App key (alter_rk_...) or agent key (alter_ak_...); required.
  std::string api_key;
  /// The backend; the embedded backend listens on loopback.
  std::string base_url = "https://127.0.0.1:8443";
  /// Seconds one call may take end to end.
  double timeout = 30.0;
  /// Free-form audit attribution, or a managed agent's UUID (impersonation).
  std::string caller;
  /// App only; Agent pins caller_type::agent.
  caller_type type = caller_type::service;
  /// Called for every request that needs an end-user JWT. It runs on the client
  /// actor's thread, so it must not block for long.
  std::function<std::string()> user_token_getter;
  /// The asynchronous form: an actor that answers (user_token_atom) with the
  /// JWT when it has it (a token refresh, say), without blocking the client.
  /// Asked before every request() and proxy_request() that carries no
  /// user_token of its own, when user_token_getter is not set; an error answer
  /// (or none within the call's timeout) fails the call with that error.
  caf::actor user_token_source;
  /// Trust for https base URLs and https providers (retrieve mode).
  net::tls_settings tls;
  /// Attempts and backoff of backend calls (decisions.md section 5).
  retry_options retry;
};

} // namespace alter
