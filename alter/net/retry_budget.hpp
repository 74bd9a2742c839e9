// A retry budget shared by every client of one backend origin: a token bucket
// that lets retries through while most calls succeed and stops them when a swarm
// would multiply an outage (decisions.md section 5; AWS "standard" retry mode).
// Lock-free: clients on any thread take and refund tokens with atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace alter::net {

struct retry_budget_options {
  int64_t capacity = 500;
  /// Tokens one retry costs.
  int64_t retry_cost = 5;
  /// Tokens a retry after a timeout costs (timeouts hint at overload).
  int64_t timeout_retry_cost = 10;
  /// Tokens a call that succeeded without retrying gives back.
  int64_t success_refund = 1;
};

class retry_budget {
public:
  explicit retry_budget(retry_budget_options options = {});

  /// Takes the cost of one retry; false (and nothing taken) when the bucket
  /// holds less than that.
  bool try_acquire(bool after_timeout) noexcept;

  /// A call succeeded on its first attempt: refill a little, up to capacity.
  void refund() noexcept;

  int64_t tokens() const noexcept {
    return tokens_.load(std::memory_order_relaxed);
  }

  /// Retries refused so far for want of tokens.
  uint64_t denied() const noexcept {
    return denied_.load(std::memory_order_relaxed);
  }

  const retry_budget_options& options() const noexcept {
    return options_;
  }

private:
  retry_budget_options options_;
  std::atomic<int64_t> tokens_;
  std::atomic<uint64_t> denied_{0};
};

/// One budget's state, for its host (runtime::stats()).
struct retry_budget_state {
  std::string origin;
  int64_t tokens = 0;
  int64_t capacity = 0;
  uint64_t denied = 0;
};

/// One budget per origin, created on first use. The lock guards only the map
/// and is taken when a client is made, never per call.
class retry_budget_registry {
public:
  explicit retry_budget_registry(retry_budget_options options = {})
      : options_(options) {
  }

  std::shared_ptr<retry_budget> for_origin(const std::string& origin);

  /// Every budget made so far, by origin.
  std::vector<retry_budget_state> states();

private:
  retry_budget_options options_;
  std::mutex mtx_;
  std::unordered_map<std::string, std::shared_ptr<retry_budget>> budgets_;
};

} // namespace alter::net
