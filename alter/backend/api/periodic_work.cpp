#include "alter/backend/api/periodic_work.hpp"

#include <mutex>

#include <boost/asio/steady_timer.hpp>

#include "alter/backend/api/request_executor.hpp"
#include "alter/net/io_runtime.hpp"

namespace alter::backend {

struct periodic_work::state : std::enable_shared_from_this<state> {
  state(net::io_runtime& io, request_executor& workers,
        std::chrono::milliseconds interval, std::function<void()> work)
      : workers(workers), timer(io.context()), interval(interval),
        work(std::move(work)) {
  }

  void run() {
    try {
      work();
    } catch (const std::exception&) {
      // The store is busy or failing: the next round tries again.
    }
    // The owner may be stopping on another thread: the timer is touched only
    // under the lock, and not re-armed once stopped.
    std::lock_guard<std::mutex> guard{mtx};
    if (stopped)
      return;
    timer.expires_after(interval);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec)
        return;
      self->workers.post([weak] {
        if (auto again = weak.lock())
          again->run();
      });
    });
  }

  void stop() {
    std::lock_guard<std::mutex> guard{mtx};
    stopped = true;
    timer.cancel();
  }

  request_executor& workers;
  std::mutex mtx;
  bool stopped = false;
  boost::asio::steady_timer timer;
  std::chrono::milliseconds interval;
  std::function<void()> work;
};

periodic_work::periodic_work(net::io_runtime& io, request_executor& workers,
                             std::chrono::milliseconds interval,
                             std::function<void()> work)
    : state_(std::make_shared<state>(io, workers, interval, std::move(work))) {
  state_->run();
}

periodic_work::~periodic_work() {
  state_->stop();
}

} // namespace alter::backend
