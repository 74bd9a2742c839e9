// The check every store implementation makes at the start of each repository
// call and transaction: a query or a commit may wait (a lock, an fsync, a
// batch flush, a network round trip), and an I/O thread that waits stalls
// every connection it serves. Request work runs on the worker pool
// (backend/api/request_executor.hpp) instead.
#pragma once

namespace alter::backend {

/// Throws store_misuse on an I/O thread (net/thread_role.hpp).
void expect_may_block();

} // namespace alter::backend
