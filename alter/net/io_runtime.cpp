#include "alter/net/io_runtime.hpp"

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "alter/net/thread_role.hpp"

namespace alter::net {

struct io_runtime::impl {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{
      ioc.get_executor()};
  std::vector<std::thread> threads;
  std::atomic<std::uint64_t> escaped{0};

  /// Runs handlers until stopped. A handler that throws would end the thread and
  /// with it the process; the last line of defence counts it and runs on (the
  /// handler's operation is gone, and with it whatever it kept alive).
  void run() {
    mark_io_thread();
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception&) {
        ++escaped;
      }
    }
  }
};

io_runtime::io_runtime(std::size_t threads) : impl_(std::make_unique<impl>()) {
  if (threads == 0)
    threads = 1;
  for (std::size_t i = 0; i < threads; ++i)
    impl_->threads.emplace_back([self = impl_.get()] { self->run(); });
}

namespace {

bool is_one_of(const std::vector<std::thread>& threads, std::thread::id id) {
  for (const auto& t : threads)
    if (t.get_id() == id)
      return true;
  return false;
}

} // namespace

io_runtime::~io_runtime() {
  if (!is_one_of(impl_->threads, std::this_thread::get_id())) {
    stop();
    return;
  }
  // The last owner let go inside a handler (a connection that held the runtime
  // closing after everyone else had gone): this thread is still in the run
  // loop, and a thread cannot join itself. The state goes to a thread of its
  // own that joins them all, this one once its handler returns, then frees it.
  impl_->guard.reset();
  impl_->ioc.stop();
  std::thread{[state = std::move(impl_)] {
    for (auto& t : state->threads)
      if (t.joinable())
        t.join();
  }}.detach();
}

void io_runtime::stop() {
  impl_->guard.reset();
  impl_->ioc.stop();
  auto self = std::this_thread::get_id();
  for (auto& t : impl_->threads)
    if (t.joinable() && t.get_id() != self)
      t.join();
}

boost::asio::io_context& io_runtime::context() noexcept {
  return impl_->ioc;
}

std::uint64_t io_runtime::escaped_exceptions() const noexcept {
  return impl_->escaped.load();
}

std::size_t io_runtime::thread_count() const noexcept {
  return impl_->threads.size();
}

} // namespace alter::net
