#include "backend/api/idempotency_pruner.hpp"

#include <boost/asio/steady_timer.hpp>

#include "backend/api/idempotency_guard.hpp"
#include "net/io_runtime.hpp"

namespace alter::backend {

struct idempotency_pruner::state : std::enable_shared_from_this<state> {
  state(store& db, net::io_runtime& io, std::chrono::seconds window,
        std::chrono::seconds interval)
      : db(db), timer(io.context()), window(window), interval(interval) {
  }

  void run() {
    try {
      prune_idempotency(db, window);
    } catch (const std::exception&) {
      // The store is busy or failing: the next round tries again.
    }
    timer.expires_after(interval);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec)
        self->run();
    });
  }

  store& db;
  boost::asio::steady_timer timer;
  std::chrono::seconds window;
  std::chrono::seconds interval;
};

idempotency_pruner::idempotency_pruner(store& db, net::io_runtime& io,
                                       std::chrono::seconds window,
                                       std::chrono::seconds interval)
    : state_(std::make_shared<state>(db, io, window, interval)) {
  state_->run();
}

idempotency_pruner::~idempotency_pruner() {
  state_->timer.cancel();
}

} // namespace alter::backend
