// A client's validated, immutable configuration. Shared (not copied) by a client
// and the clients derived from it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "caf/actor.hpp"
#include "caf/expected.hpp"

#include "alter/actors/client_options.hpp"
#include "alter/messages/trace_fields.hpp"
#include "alter/net/endpoint.hpp"

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
  /// An Agent's end-user JWT only ever selects a delegation (the seed's rule):
  /// it is sent on credential calls and Connect, as x-alter-delegation-token.
  bool user_token_for_delegation_only = false;
  net::tls_settings tls;
  /// x-alter-constraints of a with_constraints sub-client; empty otherwise.
  std::string constraints_header;
  /// The fields of a trace scope (trace()); sent with every request.
  trace_fields trace;
  /// x-alter-trace of trace.extra, encoded once per scope.
  std::string trace_header;
};

/// The getter's JWT. A getter that throws fails the call it was asked for
/// (reauth_required), never the client; what it threw is not repeated, since
/// it may hold the token.
caf::expected<std::string> user_token_from_getter(const client_settings& s);

/// Checks every option and derives what calls need; invalid_argument on bad input.
caf::expected<std::shared_ptr<const client_settings>>
make_client_settings(const client_options& options);

} // namespace alter
