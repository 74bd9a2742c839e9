#include "alter/backend/api/request_executor.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace alter::backend {

namespace {

using clock_type = std::chrono::steady_clock;

struct queued_task {
  std::function<void()> run;
  clock_type::time_point since;
};

int64_t ticks_of(clock_type::time_point t) noexcept {
  return t.time_since_epoch().count();
}

} // namespace

struct request_executor::impl {
  mutable std::mutex mtx;
  std::condition_variable wake;
  std::deque<queued_task> tasks;
  /// When the task at the front was queued (ticks; 0: the queue is empty).
  /// Written under mtx, read without it.
  std::atomic<int64_t> front_since{0};
  bool stopping = false;
  std::vector<std::thread> threads;
  std::atomic<std::uint64_t> escaped{0};

  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> guard{mtx};
        wake.wait(guard, [this] { return stopping || !tasks.empty(); });
        if (stopping)
          return;
        task = std::move(tasks.front().run);
        tasks.pop_front();
        front_since.store(tasks.empty() ? 0 : ticks_of(tasks.front().since),
                          std::memory_order_relaxed);
      }
      // A task that throws must not end the worker (and with it the process).
      try {
        task();
      } catch (...) {
        ++escaped;
      }
    }
  }
};

request_executor::request_executor(std::size_t threads)
    : impl_(std::make_unique<impl>()) {
  if (threads == 0)
    threads = 1;
  impl_->threads.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i)
    impl_->threads.emplace_back([self = impl_.get()] { self->run(); });
}

request_executor::~request_executor() {
  stop();
}

void request_executor::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    if (!impl_->stopping) {
      auto now = clock_type::now();
      if (impl_->tasks.empty())
        impl_->front_since.store(ticks_of(now), std::memory_order_relaxed);
      impl_->tasks.push_back({std::move(task), now});
      task = nullptr;
    }
  }
  if (task) // stopped: dropped here, outside the lock (its captures may post)
    return;
  impl_->wake.notify_one();
}

void request_executor::stop() {
  std::deque<queued_task> dropped;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->stopping = true;
    dropped.swap(impl_->tasks);
    impl_->front_since.store(0, std::memory_order_relaxed);
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
  dropped.clear(); // after the join: a dropped task's captures may post again
}

std::size_t request_executor::thread_count() const noexcept {
  return impl_->threads.size();
}

std::size_t request_executor::queued() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->tasks.size();
}

clock_type::duration
request_executor::queue_delay(clock_type::time_point now) const noexcept {
  auto since = impl_->front_since.load(std::memory_order_relaxed);
  if (since == 0)
    return clock_type::duration::zero();
  return std::max(clock_type::duration::zero(),
                  now - clock_type::time_point{clock_type::duration{since}});
}

std::uint64_t request_executor::escaped_exceptions() const noexcept {
  return impl_->escaped.load();
}

} // namespace alter::backend
