// A client's validated, immutable configuration. Shared (not copied) by a client
// and the clients derived from it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "caf/actor.hpp"
#include "caf/expected.hpp"

#include "actors/client_options.hpp"
#include "messages/trace_fields.hpp"
#include "net/endpoint.hpp"

namespace alter {

struct client_settings {
  std::string api_key;
  /// HMAC key derived from api_key once, so no request touches the raw key twice.
  std::string signing_key;
  net::endpoint backend;
  /// The base URL as given, without a trailing slash (base_url of the SDK).
  std::string backend_url;
  /// The base URL's path without a trailing slash ("" for the root).
  std::string base_path;
  std::chrono::milliseconds timeout{30000};
  std::string caller;
  caller_type type = caller_type::service;
  std::function<std::string()> user_token_getter;
  caf::actor user_token_source;
  net::tls_settings tls;
  /// x-alter-constraints of a with_constraints sub-client; empty otherwise.
  std::string constraints_header;
  /// The fields of a trace scope (trace()); sent with every request.
  trace_fields trace;
  /// x-alter-trace of trace.extra, encoded once per scope.
  std::string trace_header;
};

/// Checks every option and derives what calls need; invalid_argument on bad input.
caf::expected<std::shared_ptr<const client_settings>>
make_client_settings(const client_options& options);

} // namespace alter
