// One request on its way through the router: a /v1 call (authenticated by the
// api group's chain) or a page request. Routes that answer later (the proxy)
// hold it by shared_ptr.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "alter/backend/access/caller_identity.hpp"
#include "alter/backend/http/http_server.hpp"
#include "alter/messages/alter_error.hpp"

namespace alter::backend {

struct route;

struct api_call {
  server_request request;
  caller_identity identity;
  /// Values of {name} segments of the route's path pattern.
  std::map<std::string, std::string> params;
  std::string request_id;
  /// The extra fields of the caller's trace scope (x-alter-trace) as a JSON
  /// object, decoded once by the router; empty without any.
  std::string trace_json;
  /// The call's W3C traceparent: the caller's when valid, else a fresh trace
  /// (set by the router). The audit row keeps it; the provider receives it.
  std::string traceparent;
  /// The route table's entry for the request; null until routing found one.
  const route* matched = nullptr;
  /// The approval pages' signed-in approver (their chain sets it).
  std::optional<approver_session> approver;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  responder respond;

  /// Sends a JSON body with the given status (plus the standard headers).
  void reply(int status, std::string json_body, field_list extra_headers = {});

  /// Sends the error envelope with the code's status (and Retry-After when the
  /// error says when to come back).
  void fail(alter_error e);

  int64_t elapsed_ms() const;
};

using api_call_ptr = std::shared_ptr<api_call>;

} // namespace alter::backend
