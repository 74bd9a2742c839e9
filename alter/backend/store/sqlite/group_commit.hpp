// Internal to the SQLite store: group commit on its one writer connection.
//
// Write work (a transaction, or one autocommit write) runs one at a time under
// the writer lock, each as a SAVEPOINT inside an outer BEGIN IMMEDIATE: the
// batch. Committing the work releases its savepoint into the batch, gives the
// lock up and waits until the batch is flushed (its COMMIT: the fsync), so that
// commit still returns only once its own writes are durable, but one fsync
// covers every work that joined the batch meanwhile. Rolling back undoes only
// that work's savepoint.
//
// Leader and followers: whoever ends its turn with the lock when no other
// thread waits for it, or when the batch is full or old, flushes the batch for
// everyone in it. Every path that gives the lock up goes through that check, so
// no batch is stranded: a thread waiting for the lock will do it otherwise. A
// failing flush fails every commit of the batch (none of their writes stay).
//
// A work may also commit without waiting (durability::with_batch): the ledgers'
// rows (a request's nonce, its rate-limit counts) are followed by every effect
// of their request on this same connection, so those effects cannot be durable
// without them, and the request need not wait for an fsync of its own. A batch
// left holding only such works is flushed by the flusher thread once it is
// max_age old, so none is stranded when no writer follows. When such a batch
// fails, the next awaited commit on the thread that made the lost work fails
// too (before its own work joins a batch): a request's effects never become
// durable without its nonce.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "alter/backend/store/commit_meter.hpp"
#include "alter/backend/store/sqlite/connection.hpp"

namespace alter::backend {

struct group_commit_options {
  /// A batch holding this many works is flushed even while writers wait.
  int max_batch = 128;
  /// A batch this old is flushed even while writers wait (bounds the wait).
  std::chrono::microseconds max_age{2000};
  /// Tests only: runs on the writer connection just before a flush's COMMIT,
  /// with the number of works in the batch; a throw fails the flush like a
  /// failing COMMIT.
  std::function<void(database&, int works)> before_flush;
};

/// What commit_work waits for.
enum class durability {
  /// Returns once the batch holding the work is durable.
  flushed,
  /// Returns at once: the work is made durable with its batch (or undone with
  /// it), no later than any work committed after it on this connection.
  with_batch,
};

class group_commit_writer {
public:
  group_commit_writer(const std::string& path, group_commit_options options);
  ~group_commit_writer();
  group_commit_writer(const group_commit_writer&) = delete;
  group_commit_writer& operator=(const group_commit_writer&) = delete;

  /// The writer connection; use it only while this thread holds the writer.
  sqlite_connection& connection() noexcept {
    return connection_;
  }
  bool held_by_this_thread() const noexcept;

  /// Takes the writer for a work: joins the open batch (or opens one) and sets
  /// the work's savepoint. store_misuse when this thread holds the writer.
  void begin_work();
  /// Puts the work into its batch and gives the writer up; with
  /// durability::flushed, returns once the batch is durable and throws when the
  /// flush failed (nothing of the work stays).
  void commit_work(durability d = durability::flushed);
  /// Undoes the work and gives the writer up.
  void rollback_work() noexcept;

  /// Takes the writer with no batch open (an open one is flushed first): for
  /// reads on a database with a single connection, and for statements that
  /// cannot run in a transaction (checkpoints). Ends with release().
  void acquire_flushed();
  void release() noexcept;

  /// Works made durable, flushes with their durations and sizes, and the
  /// writers waiting for their turn now.
  store_stats stats() const;

private:
  /// What the works of one batch wait for.
  struct batch_outcome {
    bool done = false;
    std::string failure; // empty: durable
  };

  void lock();
  /// Ends this thread's turn: flushes the batch when no one else will, unlocks.
  void end_turn() noexcept;
  bool batch_due() const noexcept;
  void open_batch();
  /// COMMITs the open batch (ROLLBACK when it holds no work) and wakes its works.
  void flush() noexcept;
  /// The open batch was lost (SQLite rolled it back): its works fail.
  void fail_batch(const std::string& why) noexcept;
  void settle(const std::shared_ptr<batch_outcome>& batch,
              std::string failure) noexcept;
  /// The flusher thread: flushes batches that hold no awaited work.
  void flush_unawaited_batches();

  sqlite_connection connection_;
  group_commit_options options_;
  /// Unique over the process's life (never an address another writer had).
  const uint64_t id_;

  std::mutex writer_;
  std::atomic<int> waiting_{0};
  std::atomic<std::thread::id> owner_{};

  // Under writer_: the open batch, if any.
  std::shared_ptr<batch_outcome> batch_;
  int batch_works_ = 0;
  /// Works of the open batch waiting for its flush.
  int batch_awaited_ = 0;
  std::chrono::steady_clock::time_point batch_opened_;

  // The flusher's wake-up: a batch left open with no awaited work, when.
  std::mutex flusher_mtx_;
  std::condition_variable flusher_wake_;
  std::optional<std::chrono::steady_clock::time_point> flush_due_;
  bool stopping_ = false;

  // The outcomes, for the works waiting on them.
  std::mutex outcomes_;
  std::condition_variable flushed_;

  commit_meter meter_;
  /// Failed batches that held works committed with_batch (lost, unawaited).
  std::atomic<uint64_t> lost_unawaited_{0};

  std::thread flusher_; // last: it starts once everything above exists
};

} // namespace alter::backend
