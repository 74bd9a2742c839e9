#include "backend/api/idempotency_pruner.hpp"

#include <boost/asio/steady_timer.hpp>

#include "backend/api/idempotency_guard.hpp"
#include "backend/api/request_executor.hpp"
#include "net/io_runtime.hpp"

namespace alter::backend {

struct idempotency_pruner::state : std::enable_shared_from_this<state> {
  state(store& db, net::io_runtime& io, request_executor& workers,
        std::chrono::seconds window, std::chrono::seconds interval)
      : db(db), workers(workers), timer(io.context()), window(window),
        interval(interval) {
  }

  void run() {
    try {
      prune_idempotency(db, window);
    } catch (const std::exception&) {
      // The store is busy or failing: the next round tries again.
    }
    timer.expires_after(interval);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec)
        return;
      // The timer fires on an I/O thread; the delete may wait for the store.
      self->workers.post([weak] {
        if (auto again = weak.lock())
          again->run();
      });
    });
  }

  store& db;
  request_executor& workers;
  boost::asio::steady_timer timer;
  std::chrono::seconds window;
  std::chrono::seconds interval;
};

idempotency_pruner::idempotency_pruner(store& db, net::io_runtime& io,
                                       request_executor& workers,
                                       std::chrono::seconds window,
                                       std::chrono::seconds interval)
    : state_(std::make_shared<state>(db, io, workers, window, interval)) {
  state_->run();
}

idempotency_pruner::~idempotency_pruner() {
  state_->timer.cancel();
}

} // namespace alter::backend
