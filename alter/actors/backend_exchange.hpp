// Building signed requests to the backend and reading its replies.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "caf/expected.hpp"

#include "alter/actors/client_settings.hpp"
#include "alter/messages/http_message.hpp"

namespace alter {

/// What the client's end-user JWT (user_token_getter or user_token_source) does
/// on a call that names no user_token of its own.
enum class user_token_use : uint8_t {
  /// Nothing: the call is the key's alone.
  none,
  /// The App acts for the user (identity mode): x-alter-user-token.
  identity,
  /// The call selects a grant or a Connect delegation for the user: an App
  /// sends x-alter-user-token, an Agent x-alter-delegation-token.
  delegation,
};

struct backend_call {
  std::string method = "GET";
  /// Path below the base URL, with query, e.g. "/v1/grants?limit=10".
  std::string path;
  std::string body;
  std::string user_token;
  std::string idempotency_key;
  std::chrono::milliseconds timeout{0};
  /// Filled in by call_backend from the client's getter or source when
  /// user_token is empty.
  user_token_use wants_user_token = user_token_use::none;
  /// The call cannot go without one (an App's provider=): an empty answer of
  /// the getter fails it instead of sending it as the app's own.
  bool user_token_required = false;
  /// An Agent's end user for delegation (x-alter-delegation-token).
  std::string delegation_token{};
  /// The call's W3C traceparent, chosen once (call_supervised) so that every
  /// attempt of one logical call carries the same.
  std::string traceparent{};
};

/// The traceparent a new call carries: its trace scope's, else a fresh trace.
std::string traceparent_for(const client_settings& settings);

/// A request with attribution headers, signed with the client's key.
http_request make_backend_request(const client_settings& settings, backend_call call);

/// The error a backend answer carries: its envelope, Retry-After and request id.
/// Meaningful for statuses of 400 and more.
alter_error backend_error_of(const http_response& reply);

/// The model in a reply with status `expected_status`, or the error the reply
/// carries (envelope, Retry-After and request id), or malformed_response.
template <class T>
caf::expected<T> read_backend_reply(const http_response& reply, int expected_status);

} // namespace alter
