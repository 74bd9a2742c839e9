// What a store measures of its durable commits for /metrics: how many, how long
// each flush (COMMIT, with its fsync) took, and how many transactions shared it.
// Thread-safe; updated once per flush, so a mutex costs nothing that matters.
#pragma once

#include <chrono>
#include <mutex>

#include "alter/backend/store/histogram.hpp"

namespace alter::backend {

/// Durable commits so far: `transactions` committed write transactions (an
/// autocommit write counts as one), made durable in `flushes` groups (each one
/// fsync); flushes < transactions when concurrent commits shared a flush.
struct store_stats {
  uint64_t transactions = 0;
  uint64_t flushes = 0;
  /// Seconds per flush.
  latency_histogram flush_seconds;
  /// Transactions per flush (the group-commit batch; always 1 on PostgreSQL,
  /// whose server batches on its own).
  batch_histogram batch_size;
  /// Writes waiting for the store's writer right now: the audit rows, claims
  /// and completions queued behind the batch being written (0 where writers do
  /// not queue in the process, as on PostgreSQL).
  uint64_t writers_waiting = 0;
};

class commit_meter {
public:
  /// A flush that made `transactions` durable in `took`.
  void flushed(int transactions, std::chrono::steady_clock::duration took) noexcept {
    std::lock_guard<std::mutex> guard{mtx_};
    stats_.transactions += static_cast<uint64_t>(transactions);
    ++stats_.flushes;
    stats_.flush_seconds.observe(std::chrono::duration<double>(took).count(),
                                 latency_buckets);
    stats_.batch_size.observe(transactions, batch_buckets);
  }

  store_stats snapshot() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return stats_;
  }

private:
  mutable std::mutex mtx_;
  store_stats stats_;
};

} // namespace alter::backend
