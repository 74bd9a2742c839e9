// Refreshes OAuth tokens no call is using: those about to expire (so the next
// call finds a fresh one) and those not refreshed for a long time (so a
// provider that expires idle refresh tokens never sees one go stale).
#pragma once

#include <chrono>
#include <cstdint>

#include "alter/backend/api/periodic_work.hpp"

namespace alter::backend {

class store;
class token_refresher;

struct sweep_options {
  std::chrono::milliseconds interval{30000};
  /// Refresh tokens that are not refreshed for this long.
  std::chrono::hours refresh_unused_after{24};
  /// Grants refreshed per round, at most.
  int64_t batch = 100;
};

class refresh_sweep {
public:
  refresh_sweep(store& db, token_refresher& tokens, net::io_runtime& io,
                request_executor& workers, sweep_options options);

private:
  periodic_work rounds_;
};

} // namespace alter::backend
