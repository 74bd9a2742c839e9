// Work the backend does on its own every so often (pruning old answers,
// refreshing tokens before they expire): the timer runs on an I/O thread, the
// work, which may wait for the store, on a worker. A round that throws is
// forgotten; the next one runs on time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace alter::net {
class io_runtime;
} // namespace alter::net

namespace alter::backend {

class request_executor;

class periodic_work {
public:
  /// Runs `work` now and then every `interval` until destroyed.
  periodic_work(net::io_runtime& io, request_executor& workers,
                std::chrono::milliseconds interval, std::function<void()> work);
  ~periodic_work();

  periodic_work(const periodic_work&) = delete;
  periodic_work& operator=(const periodic_work&) = delete;

private:
  struct state;
  std::shared_ptr<state> state_;
};

} // namespace alter::backend
