#include "alter/backend/store/postgres/ledgers.hpp"

#include <algorithm>

namespace alter::backend {

namespace {

/// How often rows of keys nobody calls any more are swept out.
constexpr int64_t sweep_interval_ms = 10'000;

} // namespace

bool pg_nonces::record(std::string_view nonce, int64_t expires_at, int64_t now) {
  pg_lease lease{pg_scope{&pool_, nullptr, true}};
  // The nonce is the key: of two instances recording it, one inserts; an
  // expired entry is taken over.
  return lease
             .query("INSERT INTO request_nonces(nonce, expires_at) VALUES($1, $2) "
                    "ON CONFLICT(nonce) DO UPDATE SET expires_at = excluded.expires_at "
                    "WHERE request_nonces.expires_at < $3")
             .bind(1, nonce)
             .bind(2, expires_at)
             .bind(3, now)
             .run()
             .affected()
         == 1;
}

int64_t pg_nonces::prune(int64_t now) {
  pg_lease lease{pg_scope{&pool_, nullptr, true}};
  return lease.query("DELETE FROM request_nonces WHERE expires_at < $1")
      .bind(1, now)
      .run()
      .affected();
}

rate_verdict pg_rate_limits::admit(const std::vector<rate_limit>& limits,
                                   std::chrono::system_clock::time_point now) {
  auto now_ms
      = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
            .count();
  pg_lease lease{pg_scope{&pool_, nullptr, true}};
  rate_verdict out;
  // The keys in one order, so that two calls with overlapping limits never
  // wait for each other's locks in a circle.
  std::vector<std::string> keys;
  for (const auto& l : limits)
    keys.push_back(l.key);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  lease.atomically([&] {
    // Per key, every instance's check and count take turns; other keys run on.
    for (const auto& key : keys)
      lease.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
          .bind(1, key)
          .run();
    auto last = last_sweep_ms_.load();
    if (now_ms - last >= sweep_interval_ms
        && last_sweep_ms_.compare_exchange_strong(last, now_ms))
      lease.query("DELETE FROM rate_limit_calls WHERE at_ms <= $1")
          .bind(1, now_ms - max_rate_window.count())
          .run();
    for (std::size_t i = 0; i < limits.size(); ++i) {
      const auto& limit = limits[i];
      auto horizon = now_ms - limit.window.count();
      lease.query("DELETE FROM rate_limit_calls WHERE limit_key = $1 AND at_ms <= $2")
          .bind(1, limit.key)
          .bind(2, horizon)
          .run();
      auto counted
          = lease
                .query("SELECT COUNT(*), MIN(at_ms) FROM rate_limit_calls "
                       "WHERE limit_key = $1")
                .bind(1, limit.key)
                .first([&](const pg_row& row) {
                  return std::make_pair(row.integer(0),
                                        row.is_null(1) ? now_ms : row.integer(1));
                })
                .value_or(std::make_pair(int64_t{0}, now_ms));
      if (counted.first >= limit.max_calls) {
        out.admitted = false;
        out.refused = i;
        out.retry_after
            = std::chrono::milliseconds{std::max<int64_t>(0, counted.second - horizon)};
        return; // only expired rows were deleted: committing them is harmless
      }
    }
    for (const auto& limit : limits)
      lease.query("INSERT INTO rate_limit_calls(limit_key, at_ms) VALUES($1, $2)")
          .bind(1, limit.key)
          .bind(2, now_ms)
          .run();
  });
  return out;
}

} // namespace alter::backend
