// Which failed attempts may be retried, and how long to wait before the next one
// (decisions.md section 5). Pure functions: the retry supervisor and its tests
// share them.
#pragma once

#include <chrono>
#include <cstdint>

#include "alter/messages/alter_error.hpp"

namespace alter {

struct retry_options {
  /// Attempts per call, the first included.
  int max_attempts = 3;
  /// Full-jitter exponential backoff: wait uniform(0, min(cap, base * 2^(n-1))).
  std::chrono::milliseconds base_delay{100};
  /// The base after a 429: the backend asked for less traffic.
  std::chrono::milliseconds base_delay_after_429{500};
  std::chrono::milliseconds max_delay{20000};
  /// Retry-After is honoured up to this long; never past the call's deadline.
  std::chrono::milliseconds max_retry_after{30000};
  /// Seed of the jitter; 0 seeds from the operating system.
  uint64_t jitter_seed = 0;
};

/// Backend calls whose repetition is harmless: GETs, token retrieval, approval
/// status, and proxy executions (they carry an Idempotency-Key).
enum class call_kind { idempotent, non_idempotent };

/// True when the failed attempt may be tried again: a connection that failed
/// before the request was written, always; for idempotent calls also timeouts,
/// 429, 502, 503, 504 and 409 token_refresh_in_progress / idempotency_in_progress,
/// unless the backend says the provider failed (ProviderAPIError codes).
bool is_retryable(const alter_error& e, call_kind kind) noexcept;

/// True when the error says the request never reached the wire.
bool request_never_sent(const alter_error& e) noexcept;

/// The jitter's random bits: splitmix64, eight bytes of state. A retry
/// supervisor lives for one call; the Mersenne Twister it had before (5 KB of
/// state, seeded from the operating system per call) was its largest cost.
class jitter_rng {
public:
  using result_type = uint64_t;

  explicit jitter_rng(uint64_t seed = 0) noexcept : state_(seed) {
  }

  static constexpr result_type min() noexcept {
    return 0;
  }

  static constexpr result_type max() noexcept {
    return ~result_type{0};
  }

  result_type operator()() noexcept {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  /// A seed of its own for every call: one seed from the operating system per
  /// process, then a counter.
  static uint64_t fresh_seed() noexcept;

private:
  uint64_t state_;
};

/// The wait before attempt `failed_attempts + 1`.
std::chrono::milliseconds backoff_delay(int failed_attempts, const alter_error& e,
                                        const retry_options& options, jitter_rng& rng);

} // namespace alter
