#include "backend/api/request_executor.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace alter::backend {

struct request_executor::impl {
  mutable std::mutex mtx;
  std::condition_variable wake;
  std::deque<std::function<void()>> tasks;
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
        task = std::move(tasks.front());
        tasks.pop_front();
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
      impl_->tasks.push_back(std::move(task));
      task = nullptr;
    }
  }
  if (task) // stopped: dropped here, outside the lock (its captures may post)
    return;
  impl_->wake.notify_one();
}

void request_executor::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->stopping = true;
    dropped.swap(impl_->tasks);
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

std::uint64_t request_executor::escaped_exceptions() const noexcept {
  return impl_->escaped.load();
}

} // namespace alter::backend
