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

io_runtime::~io_runtime() {
  stop();
}

void io_runtime::stop() {
  impl_->guard.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable())
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
