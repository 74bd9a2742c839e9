// Which failed attempts may be retried, and how long to wait before the next one
// (decisions.md section 5). Pure functions: the retry supervisor and its tests
// share them.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "messages/alter_error.hpp"

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

/// The wait before attempt `failed_attempts + 1`.
std::chrono::milliseconds backoff_delay(int failed_attempts, const alter_error& e,
                                        const retry_options& options,
                                        std::mt19937_64& rng);

} // namespace alter
