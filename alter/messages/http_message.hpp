// Plain HTTP request and response values that cross actor boundaries. Beast types
// stay inside net/ so that these headers compile fast.
#pragma once

#include <cstdint>
#include <string>

#include "alter/messages/field.hpp"
#include "alter/messages/retry_info.hpp"

namespace boost::json {
class value;
} // namespace boost::json

namespace alter {

struct http_request {
  std::string method = "GET";
  /// Origin-form target: path plus optional "?query".
  std::string target = "/";
  field_list headers;
  std::string body;
  /// Milliseconds the whole exchange may take; 0 means the pool's default.
  int64_t timeout_ms = 0;
};

struct http_response {
  int status = 0;
  field_list headers;
  std::string body;
  /// Set on what request() returns; empty on the transport's own responses.
  retry_info retries;

  const std::string& body_text() const noexcept {
    return body;
  }
  /// The body parsed as JSON (include <boost/json.hpp> to use it). Throws
  /// AlterValueError when the body is not JSON.
  boost::json::value body_json() const;
};

bool operator==(const http_request& a, const http_request& b) noexcept;
bool operator==(const http_response& a, const http_response& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_request& x) {
  return f(caf::meta::type_name("http_request"), x.method, x.target, x.headers, x.body,
           x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_response& x) {
  return f(caf::meta::type_name("http_response"), x.status, x.headers, x.body,
           x.retries);
}

} // namespace alter
