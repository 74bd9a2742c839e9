#include "alter/backend/api/idempotency_pruner.hpp"

#include "alter/backend/api/idempotency_guard.hpp"

namespace alter::backend {

idempotency_pruner::idempotency_pruner(store& db, net::io_runtime& io,
                                       request_executor& workers,
                                       std::chrono::seconds window,
                                       std::chrono::seconds interval)
    : rounds_(io, workers, interval, [&db, window] { prune_idempotency(db, window); }) {
}

} // namespace alter::backend
