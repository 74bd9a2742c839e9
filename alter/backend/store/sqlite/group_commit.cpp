#include "alter/backend/store/sqlite/group_commit.hpp"

#include <algorithm>

#include "alter/backend/store/transaction.hpp"

namespace alter::backend {

namespace {

/// The first work this thread committed with_batch since its last awaited
/// commit, and how many such works had been lost in failed flushes then: a
/// request's later awaited commit on the same thread refuses to make its
/// effects durable without its nonce. The first, not the last: a rate count
/// committed after a lost nonce must not hide the loss. (A thread whose last
/// request made no awaited commit keeps its entry: after a failed flush, its
/// next awaited commit may be refused once needlessly, never wrongly taken.)
///
/// Writers are told apart by an id never reused: a writer made where an old one
/// was would otherwise inherit that one's entry, and the loss count it holds.
struct unawaited_work {
  uint64_t writer = 0;
  uint64_t lost_before = 0;
};
thread_local unawaited_work last_unawaited;

std::atomic<uint64_t> writers_made{0};

} // namespace

group_commit_writer::group_commit_writer(const std::string& path,
                                         group_commit_options options)
    : connection_(path, open_mode::read_write), options_(std::move(options)),
      id_(++writers_made), flusher_([this] { flush_unawaited_batches(); }) {
}

group_commit_writer::~group_commit_writer() {
  {
    std::lock_guard<std::mutex> guard{flusher_mtx_};
    stopping_ = true;
  }
  flusher_wake_.notify_all();
  flusher_.join();
  // Awaited works all waited for their flush; works committed with_batch may
  // still be in an open one: keep them.
  std::lock_guard<std::mutex> guard{writer_};
  if (batch_)
    flush();
  rollback_quietly(connection_.db());
}

bool group_commit_writer::held_by_this_thread() const noexcept {
  // Only this thread ever stores its own id, so a relaxed read is exact for it.
  return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id();
}

void group_commit_writer::lock() {
  if (held_by_this_thread())
    throw store_misuse{"this thread holds a transaction of this store: use the "
                       "transaction's repositories"};
  // Counted before blocking: a turn that sees a waiter leaves the flush to it.
  waiting_.fetch_add(1, std::memory_order_acq_rel);
  writer_.lock();
  waiting_.fetch_sub(1, std::memory_order_acq_rel);
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
}

bool group_commit_writer::batch_due() const noexcept {
  return batch_works_ >= options_.max_batch
         || std::chrono::steady_clock::now() - batch_opened_ >= options_.max_age;
}

void group_commit_writer::end_turn() noexcept {
  bool no_waiter = waiting_.load(std::memory_order_acquire) == 0;
  std::optional<std::chrono::steady_clock::time_point> leave_to_flusher;
  // An empty batch only holds the file's lock: give it back at once.
  if (batch_
      && (batch_due() || (no_waiter && (batch_awaited_ > 0 || batch_works_ == 0))))
    flush();
  else if (batch_ && no_waiter)
    leave_to_flusher = batch_opened_ + options_.max_age; // nobody waits on it
  owner_.store(std::thread::id{}, std::memory_order_relaxed);
  writer_.unlock();
  if (!leave_to_flusher)
    return;
  {
    // A due time already set is this batch's or an older one's: the flusher
    // flushes whatever batch is open when it comes, so it need not be woken.
    std::lock_guard<std::mutex> guard{flusher_mtx_};
    if (flush_due_)
      return;
    flush_due_ = leave_to_flusher;
  }
  flusher_wake_.notify_one();
}

void group_commit_writer::flush_unawaited_batches() {
  std::unique_lock<std::mutex> guard{flusher_mtx_};
  for (;;) {
    flusher_wake_.wait(guard, [&] { return stopping_ || flush_due_; });
    if (stopping_)
      return;
    auto due = *flush_due_;
    if (flusher_wake_.wait_until(guard, due, [&] { return stopping_; }))
      return;
    flush_due_.reset();
    guard.unlock();
    // Counted as a waiter, so a turn ending meanwhile leaves the flush to it.
    waiting_.fetch_add(1, std::memory_order_acq_rel);
    writer_.lock();
    waiting_.fetch_sub(1, std::memory_order_acq_rel);
    if (batch_)
      flush();
    writer_.unlock();
    guard.lock();
  }
}

void group_commit_writer::open_batch() {
  connection_.db().exec("BEGIN IMMEDIATE");
  batch_ = std::make_shared<batch_outcome>();
  batch_works_ = 0;
  batch_awaited_ = 0;
  batch_opened_ = std::chrono::steady_clock::now();
}

void group_commit_writer::begin_work() {
  lock();
  try {
    // A long stream of writers still flushes: full or old batches go first.
    if (batch_ && batch_due())
      flush();
    if (!batch_)
      open_batch();
    connection_.db().exec("SAVEPOINT work");
  } catch (...) {
    if (batch_ && !connection_.db().in_transaction())
      fail_batch("the database ended the batch");
    end_turn();
    throw;
  }
}

void group_commit_writer::commit_work(durability d) {
  auto& db = connection_.db();
  // Holding the writer: the batch of this thread's last with_batch work is
  // either flushed (its outcome counted) or the open one (shared with this).
  if (d == durability::flushed && last_unawaited.writer == id_) {
    bool lost
        = last_unawaited.lost_before != lost_unawaited_.load(std::memory_order_relaxed);
    last_unawaited.writer = 0;
    if (lost) {
      rollback_work();
      throw sqlite_error{"an earlier write of this request (its nonce or rate "
                         "count) was lost with its batch"};
    }
  }
  if (!db.in_transaction()) {
    // SQLite rolled the batch back on an error (a full disk, I/O): the work
    // and the others of its batch are gone.
    fail_batch("the database ended the batch");
    end_turn();
    throw sqlite_error{"the transaction was rolled back by the database"};
  }
  try {
    db.exec("RELEASE work");
  } catch (...) {
    rollback_work();
    throw;
  }
  ++batch_works_;
  if (d == durability::with_batch) {
    if (last_unawaited.writer != id_)
      last_unawaited = {id_, lost_unawaited_.load(std::memory_order_relaxed)};
    end_turn();
    return;
  }
  ++batch_awaited_;
  auto mine = batch_;
  end_turn();
  std::unique_lock<std::mutex> guard{outcomes_};
  flushed_.wait(guard, [&] { return mine->done; });
  if (!mine->failure.empty())
    throw sqlite_error{"the commit failed: " + mine->failure};
}

void group_commit_writer::rollback_work() noexcept {
  auto& db = connection_.db();
  try {
    if (db.in_transaction())
      db.exec("ROLLBACK TO work; RELEASE work");
  } catch (const sqlite_error&) {
    rollback_quietly(db);
  }
  if (batch_ && !db.in_transaction())
    fail_batch("the database ended the batch");
  end_turn();
}

void group_commit_writer::acquire_flushed() {
  lock();
  if (batch_)
    flush();
}

void group_commit_writer::release() noexcept {
  end_turn();
}

void group_commit_writer::flush() noexcept {
  auto batch = std::move(batch_);
  batch_.reset();
  auto works = batch_works_;
  auto awaited = batch_awaited_;
  batch_works_ = 0;
  batch_awaited_ = 0;
  auto& db = connection_.db();
  if (works == 0) {
    rollback_quietly(db); // nothing to keep: just give the file's lock back
    return;
  }
  std::string failure;
  auto started = std::chrono::steady_clock::now();
  try {
    if (options_.before_flush)
      options_.before_flush(db, works);
    db.exec("COMMIT");
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty())
      failure = "unknown error";
    rollback_quietly(db);
  }
  if (failure.empty()) {
    meter_.flushed(works, std::chrono::steady_clock::now() - started);
  } else if (works > awaited) {
    lost_unawaited_.fetch_add(1, std::memory_order_relaxed);
  }
  settle(batch, std::move(failure));
}

void group_commit_writer::fail_batch(const std::string& why) noexcept {
  auto batch = std::move(batch_);
  batch_.reset();
  if (batch_works_ > batch_awaited_)
    lost_unawaited_.fetch_add(1, std::memory_order_relaxed);
  batch_works_ = 0;
  batch_awaited_ = 0;
  rollback_quietly(connection_.db());
  if (batch)
    settle(batch, why);
}

void group_commit_writer::settle(const std::shared_ptr<batch_outcome>& batch,
                                 std::string failure) noexcept {
  {
    std::lock_guard<std::mutex> guard{outcomes_};
    batch->failure = std::move(failure);
    batch->done = true;
  }
  flushed_.notify_all();
}

store_stats group_commit_writer::stats() const {
  auto out = meter_.snapshot();
  out.writers_waiting
      = static_cast<uint64_t>(std::max(0, waiting_.load(std::memory_order_relaxed)));
  return out;
}

} // namespace alter::backend
