// Deletes answers stored under Idempotency-Keys once their window has passed
// (24 h by default, as Stripe keeps them): a retry within the window replays,
// a key reused after it runs as a new request.
#pragma once

#include <chrono>
#include <memory>

namespace alter::net {
class io_runtime;
} // namespace alter::net

namespace alter::backend {

class request_executor;
class store;

class idempotency_pruner {
public:
  /// Prunes now and then every `interval`: the timer runs on `io`, the
  /// pruning (a store call) on a worker of `workers`.
  idempotency_pruner(store& db, net::io_runtime& io, request_executor& workers,
                     std::chrono::seconds window, std::chrono::seconds interval);
  ~idempotency_pruner();

  idempotency_pruner(const idempotency_pruner&) = delete;
  idempotency_pruner& operator=(const idempotency_pruner&) = delete;

private:
  struct state;
  std::shared_ptr<state> state_;
};

} // namespace alter::backend
