#include "alter/net/retry_budget.hpp"

#include <algorithm>

namespace alter::net {

retry_budget::retry_budget(retry_budget_options options)
    : options_(options), tokens_(options.capacity) {
}

bool retry_budget::try_acquire(bool after_timeout) noexcept {
  auto cost = after_timeout ? options_.timeout_retry_cost : options_.retry_cost;
  auto current = tokens_.load(std::memory_order_relaxed);
  while (current >= cost)
    if (tokens_.compare_exchange_weak(current, current - cost,
                                      std::memory_order_relaxed))
      return true;
  denied_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void retry_budget::refund() noexcept {
  auto current = tokens_.load(std::memory_order_relaxed);
  while (current < options_.capacity) {
    auto next = std::min(options_.capacity, current + options_.success_refund);
    if (tokens_.compare_exchange_weak(current, next, std::memory_order_relaxed))
      return;
  }
}

std::shared_ptr<retry_budget>
retry_budget_registry::for_origin(const std::string& origin) {
  std::lock_guard guard{mtx_};
  auto& slot = budgets_[origin];
  if (!slot)
    slot = std::make_shared<retry_budget>(options_);
  return slot;
}

std::vector<retry_budget_state> retry_budget_registry::states() {
  std::lock_guard guard{mtx_};
  std::vector<retry_budget_state> out;
  out.reserve(budgets_.size());
  for (const auto& [origin, budget] : budgets_)
    out.push_back(
        {origin, budget->tokens(), budget->options().capacity, budget->denied()});
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.origin < b.origin; });
  return out;
}

} // namespace alter::net
