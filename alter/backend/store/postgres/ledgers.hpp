// Internal to the PostgreSQL store: what instances sharing the database share
// beyond the rows, the nonces of accepted requests and the calls rate limits
// count. Each call is atomic on its own, never part of a transaction, so it
// borrows a connection even on a thread that holds a transaction (these tables
// are never written by one).
#pragma once

#include <atomic>

#include "alter/backend/store/nonces_repository.hpp"
#include "alter/backend/store/postgres/pool.hpp"
#include "alter/backend/store/rate_limits_repository.hpp"

namespace alter::backend {

class pg_nonces final : public nonces_repository {
public:
  explicit pg_nonces(pg_pool& pool) : pool_(pool) {
  }
  bool record(std::string_view nonce, int64_t expires_at, int64_t now) override;
  int64_t prune(int64_t now) override;

private:
  pg_pool& pool_;
};

class pg_rate_limits final : public rate_limits_repository {
public:
  explicit pg_rate_limits(pg_pool& pool) : pool_(pool) {
  }
  rate_verdict admit(const std::vector<rate_limit>& limits,
                     std::chrono::system_clock::time_point now) override;

private:
  pg_pool& pool_;
  std::atomic<int64_t> last_sweep_ms_{0};
};

} // namespace alter::backend
