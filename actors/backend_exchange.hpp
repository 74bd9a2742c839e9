// Building signed requests to the backend and reading its replies.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "caf/expected.hpp"

#include "actors/client_settings.hpp"
#include "messages/http_message.hpp"

namespace alter {

struct backend_call {
  std::string method = "GET";
  /// Path below the base URL, with query, e.g. "/v1/grants?limit=10".
  std::string path;
  std::string body;
  std::string user_token;
  std::string idempotency_key;
  std::chrono::milliseconds timeout{0};
};

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
