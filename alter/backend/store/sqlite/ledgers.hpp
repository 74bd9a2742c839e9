// Internal to the SQLite store: the nonce and rate-limit ledgers. Their writes
// come with every signed request and must not wait for an fsync of their own:
// they join the writer's group-commit batches without waiting for the flush
// (durability::with_batch). Every effect of their request is written after
// them on the same connection, so none is durable without them; a crash can
// lose the ledgers' last rows only together with everything their requests
// did (a read answered meanwhile could be replayed once after a crash). Other
// processes on the same file see them once their batch is flushed, at most
// max_batch_age later, and wait for the file's write lock until then.
#pragma once

#include <atomic>
#include <string>

#include "alter/backend/store/nonces_repository.hpp"
#include "alter/backend/store/rate_limits_repository.hpp"
#include "alter/backend/store/sqlite/connection_lease.hpp"

namespace alter::backend {

class sqlite_nonces final : public nonces_repository {
public:
  explicit sqlite_nonces(sqlite_scope scope) : scope_(scope) {
  }
  bool record(std::string_view nonce, int64_t expires_at, int64_t now) override;
  int64_t prune(int64_t now) override;

private:
  sqlite_scope scope_;
};

class sqlite_rate_limits final : public rate_limits_repository {
public:
  explicit sqlite_rate_limits(sqlite_scope scope) : scope_(scope) {
  }
  rate_verdict admit(const std::vector<rate_limit>& limits,
                     std::chrono::system_clock::time_point now) override;

private:
  sqlite_scope scope_;
  std::atomic<int64_t> last_sweep_ms_{0};
};

} // namespace alter::backend
