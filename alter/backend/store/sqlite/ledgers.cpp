#include "alter/backend/store/sqlite/ledgers.hpp"

#include <algorithm>

namespace alter::backend {

namespace {

/// How often rows of keys nobody calls any more are swept out.
constexpr int64_t sweep_interval_ms = 10'000;

} // namespace

bool sqlite_nonces::record(std::string_view nonce, int64_t expires_at, int64_t now) {
  connection_lease lease{scope_, access::write};
  auto& insert = lease.cached(
      "INSERT INTO request_nonces(nonce, expires_at) VALUES(?1, ?2)"
      " ON CONFLICT(nonce) DO UPDATE SET expires_at = excluded.expires_at"
      " WHERE request_nonces.expires_at < ?3");
  insert.bind(1, nonce).bind(2, expires_at).bind(3, now);
  insert.execute();
  auto fresh = lease.changes() == 1;
  lease.commit_with_batch();
  return fresh;
}

int64_t sqlite_nonces::prune(int64_t now) {
  connection_lease lease{scope_, access::write};
  auto& prune = lease.cached("DELETE FROM request_nonces WHERE expires_at < ?1");
  prune.bind(1, now);
  prune.execute();
  return lease.commit(lease.changes());
}

rate_verdict sqlite_rate_limits::admit(const std::vector<rate_limit>& limits,
                                       std::chrono::system_clock::time_point now) {
  auto now_ms
      = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
            .count();
  // One work on the writer: the check and the count of every instance on this
  // file are serialised by the writer and the file's write lock.
  connection_lease lease{scope_, access::write};
  rate_verdict out;
  auto last = last_sweep_ms_.load(std::memory_order_relaxed);
  if (now_ms - last >= sweep_interval_ms) {
    last_sweep_ms_.store(now_ms, std::memory_order_relaxed);
    auto& sweep = lease.cached("DELETE FROM rate_limit_calls WHERE at_ms <= ?1");
    sweep.bind(1, now_ms - max_rate_window.count());
    sweep.execute();
  }
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const auto& limit = limits[i];
    auto horizon = now_ms - limit.window.count();
    auto& forget = lease.cached(
        "DELETE FROM rate_limit_calls WHERE limit_key = ?1 AND at_ms <= ?2");
    forget.bind(1, limit.key).bind(2, horizon);
    forget.execute();
    auto& count = lease.cached("SELECT COUNT(*), MIN(at_ms) FROM rate_limit_calls"
                               " WHERE limit_key = ?1");
    count.reset(); // a step that threw last time left it mid-row
    count.bind(1, limit.key);
    int64_t counted = 0;
    int64_t oldest = now_ms;
    if (count.step()) {
      counted = count.integer(0);
      if (counted > 0)
        oldest = count.integer(1);
    }
    count.reset();
    if (counted >= limit.max_calls) {
      out.admitted = false;
      out.refused = i;
      out.retry_after
          = std::chrono::milliseconds{std::max<int64_t>(0, oldest - horizon)};
      // Only expired rows were deleted: committing them is harmless.
      lease.commit_with_batch();
      return out;
    }
  }
  auto& insert
      = lease.cached("INSERT INTO rate_limit_calls(limit_key, at_ms) VALUES(?1, ?2)");
  for (const auto& limit : limits) {
    insert.bind(1, limit.key).bind(2, now_ms);
    insert.execute();
  }
  lease.commit_with_batch();
  return out;
}

} // namespace alter::backend
