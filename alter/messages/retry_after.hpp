// The Retry-After header (delta-seconds only) both ways: what the backend
// writes for an error's retry_after_ms, and what a client reads back from it.
#pragma once

#include <cstdint>
#include <string>

namespace alter {

/// The header's value for `retry_after_ms`: whole seconds, rounded up (never
/// earlier than meant); empty when there is nothing to say (0 or less).
std::string retry_after_value(int64_t retry_after_ms);

/// The milliseconds a Retry-After value asks for; -1 for anything that is not
/// delta-seconds below 10^9 (an HTTP date, a negative number, garbage).
int64_t retry_after_ms_of(const std::string& value) noexcept;

} // namespace alter
