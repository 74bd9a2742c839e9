// Deletes answers stored under Idempotency-Keys once their window has passed
// (24 h by default, as Stripe keeps them): a retry within the window replays,
// a key reused after it runs as a new request.
#pragma once

#include <chrono>

#include "alter/backend/api/periodic_work.hpp"

namespace alter::backend {

class request_executor;
class store;

class idempotency_pruner {
public:
  /// Prunes now and then every `interval`: the timer runs on `io`, the
  /// pruning (a store call) on a worker of `workers`.
  idempotency_pruner(store& db, net::io_runtime& io, request_executor& workers,
                     std::chrono::seconds window, std::chrono::seconds interval);

private:
  periodic_work rounds_;
};

} // namespace alter::backend
