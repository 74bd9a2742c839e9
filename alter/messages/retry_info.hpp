// What the retry supervisor did for one call: attempts, time spent waiting, and
// one entry per failed attempt. Carried by every result and every error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace alter {

struct retry_error_info {
  /// HTTP status of the failed attempt; 0 when it never got an answer.
  int status = 0;
  /// The error code of the failed attempt.
  std::string code;
  /// Milliseconds waited after it before the next attempt (0 for the last).
  int64_t delay_ms = 0;
};

struct retry_info {
  int attempts = 0;
  int64_t total_delay_ms = 0;
  std::vector<retry_error_info> errors;

  bool retried() const noexcept {
    return attempts > 1;
  }
};

bool operator==(const retry_error_info& a, const retry_error_info& b) noexcept;
bool operator==(const retry_info& a, const retry_info& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, retry_error_info& x) {
  return f(caf::meta::type_name("retry_error_info"), x.status, x.code, x.delay_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, retry_info& x) {
  return f(caf::meta::type_name("retry_info"), x.attempts, x.total_delay_ms, x.errors);
}

} // namespace alter
