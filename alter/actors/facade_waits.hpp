// How long a facade (blocking or async) waits for a client actor's reply. The
// client enforces each call's deadline itself; a facade only waits a backstop
// longer, so that a lost reply cannot hang its caller. Internal: included by
// the facades' .cpp files only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace alter::facade {

/// Past the client's own deadline.
constexpr std::chrono::seconds reply_backstop{5};

/// `s` seconds as milliseconds; 0 for anything but 0 < s <= 1 day (the
/// longest timeout a call takes).
inline std::chrono::milliseconds seconds_ms(double s) noexcept {
  return std::chrono::milliseconds{
      static_cast<int64_t>(std::isfinite(s) && s > 0 && s <= 86400 ? s * 1000 : 0)};
}

/// How long a provider call may take: its own timeout when it is longer than
/// the client's.
inline std::chrono::milliseconds call_wait(std::chrono::milliseconds client,
                                           double seconds) noexcept {
  return std::max(client, seconds_ms(seconds));
}

} // namespace alter::facade
