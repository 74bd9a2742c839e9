// The error value every layer passes around: code, message, details, HTTP status,
// request id and retry-after. Inside actors it travels inside a caf::error.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caf/error.hpp"
#include "caf/meta/type_name.hpp"

#include "alter/messages/error_code.hpp"
#include "alter/messages/retry_info.hpp"

namespace alter {

/// One of the grants an AmbiguousGrantError found.
struct grant_candidate {
  std::string grant_id;
  std::string account_identifier;
  std::string label;
};

struct alter_error {
  error_code code = error_code::unknown_error;
  std::string message;
  /// A JSON object as text; empty means {}. Never holds a secret.
  std::string details_json;
  /// The HTTP status that carried the error; 0 when it never reached the wire.
  int http_status = 0;
  /// The backend's request id, for support; empty for local errors.
  std::string request_id;
  /// Milliseconds the backend asked to wait (Retry-After); -1 when absent.
  int64_t retry_after_ms = -1;
  /// What the retry supervisor tried before giving up with this error.
  retry_info retries;

  error_class cls() const noexcept {
    return class_of(code);
  }

  /// "Is this a BackendError?": true for the class itself and every descendant.
  bool is(error_class ancestor) const noexcept {
    return is_a(cls(), ancestor);
  }

  // Typed readers of the details (details_json keeps the raw text). A member
  // that is missing or of another type reads as empty.

  /// A string member of the details, e.g. detail("grant_id").
  std::string detail(std::string_view key) const;
  /// InsufficientScopeError: the scope the route needs.
  std::string required_scope() const;
  /// ScopeReauthRequiredError: the scopes the provider requires that the
  /// grant was not given.
  std::vector<std::string> missing_scopes() const;
  /// AmbiguousGrantError: the grants that matched.
  std::vector<grant_candidate> candidates() const;
  /// How long the backend asked to wait (Retry-After); nullopt when it did not.
  std::optional<std::chrono::milliseconds> retry_after() const;
};

bool operator==(const alter_error& a, const alter_error& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alter_error& x) {
  return f(caf::meta::type_name("alter_error"), x.code, x.message, x.details_json,
           x.http_status, x.request_id, x.retry_after_ms, x.retries);
}

/// A local error, e.g. make_error(error_code::invalid_argument, "grant_id is empty").
alter_error make_error(error_code code, std::string message,
                       std::string details_json = {});

/// "GrantNotFoundError (grant_not_found): no grant with that id".
std::string to_string(const alter_error& e);

/// Wraps the value into a caf::error of category "alter" so actors can reply with it.
caf::error to_caf_error(alter_error e);

/// Shorthand for to_caf_error(make_error(code, message)).
caf::error to_caf_error(error_code code, std::string message);

/// Unwraps an "alter" caf::error; maps CAF's own errors (request timeout, dead actor)
/// to the SDK's codes so callers only ever branch on error_code.
alter_error from_caf_error(const caf::error& e);

} // namespace alter
