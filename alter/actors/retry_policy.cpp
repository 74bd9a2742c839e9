#include "alter/actors/retry_policy.hpp"

#include <atomic>
#include <random>

#include <algorithm>

namespace alter {

bool request_never_sent(const alter_error& e) noexcept {
  return e.details_json.find("\"request_sent\":false") != std::string::npos;
}

bool is_retryable(const alter_error& e, call_kind kind) noexcept {
  bool transport = e.code == error_code::network_error || e.code == error_code::timeout;
  if (transport && request_never_sent(e))
    return true;
  if (kind != call_kind::idempotent)
    return false;
  // The backend reached (or tried) the provider: its answer is final, and a
  // proxy retry would only replay the same stored failure.
  if (e.is(error_class::ProviderAPIError))
    return false;
  if (e.code == error_code::timeout || e.code == error_code::network_error)
    return true;
  switch (e.http_status) {
    case 429:
    case 502:
    case 503:
    case 504:
      return true;
    case 409:
      return e.code == error_code::token_refresh_in_progress
             || e.code == error_code::idempotency_in_progress;
    default:
      return false;
  }
}

uint64_t jitter_rng::fresh_seed() noexcept {
  static const uint64_t process_seed = [] {
    std::random_device os;
    return (uint64_t{os()} << 32) ^ os();
  }();
  static std::atomic<uint64_t> calls{0};
  return process_seed
         ^ (calls.fetch_add(1, std::memory_order_relaxed) * 0xD1B54A32D192ED03ULL);
}

std::chrono::milliseconds backoff_delay(int failed_attempts, const alter_error& e,
                                        const retry_options& options, jitter_rng& rng) {
  if (e.retry_after_ms >= 0)
    return std::min(std::chrono::milliseconds{e.retry_after_ms},
                    options.max_retry_after);
  auto base = e.http_status == 429 ? options.base_delay_after_429 : options.base_delay;
  auto exponent = std::clamp(failed_attempts - 1, 0, 30);
  auto ceiling = std::min<int64_t>(options.max_delay.count(),
                                   base.count() * (int64_t{1} << exponent));
  std::uniform_int_distribution<int64_t> jitter{0, std::max<int64_t>(ceiling, 0)};
  return std::chrono::milliseconds{jitter(rng)};
}

} // namespace alter
