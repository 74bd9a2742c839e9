// The worker ("database") threads that run request work: authentication,
// middleware, handlers and every continuation that touches the store (an
// upstream answer, an approval's execution and expiry, a long-poll's wake-up,
// the idempotency pruner). I/O threads only read, write and post here, so a
// query or a commit that waits (a lock, an fsync, a batch of group commit, a
// PostgreSQL round trip) never stalls a connection.
//
// The queue is not bounded here: what may enter it is, by admission control
// (admission.hpp) for requests, and by those requests for their continuations.
// A task never waits for another task, so a full pool cannot deadlock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace alter::backend {

class request_executor {
public:
  /// Starts `threads` workers (at least one).
  explicit request_executor(std::size_t threads);

  /// stop().
  ~request_executor();

  request_executor(const request_executor&) = delete;
  request_executor& operator=(const request_executor&) = delete;

  /// Queues `task` for a worker; from any thread. After stop(), the task is
  /// dropped (destroyed without running), so whatever it held is released.
  void post(std::function<void()> task);

  /// Lets the running tasks finish, drops the queued ones and joins the
  /// workers. Idempotent; must not run on a worker.
  void stop();

  std::size_t thread_count() const noexcept;

  /// Tasks waiting for a worker now.
  std::size_t queued() const;

  /// How long the oldest queued task has waited at `now` (zero when none
  /// waits): the queue's delay, which admission control sheds on. Lock-free.
  std::chrono::steady_clock::duration
  queue_delay(std::chrono::steady_clock::time_point now) const noexcept;

  /// Exceptions that escaped a task (0 unless a bug let one through: tests
  /// assert it stays 0).
  std::uint64_t escaped_exceptions() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace alter::backend
