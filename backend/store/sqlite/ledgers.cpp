#include "backend/store/sqlite/ledgers.hpp"

#include <algorithm>

#include "backend/store/sqlite/connection.hpp"
#include "backend/store/sqlite/migrations.hpp"

namespace alter::backend {

namespace {

database& prepared(database& db, const std::string& path) {
  db.exec("PRAGMA synchronous=NORMAL");
  if (path == ":memory:")
    ledger_tables(db);
  return db;
}

/// How often rows of keys nobody calls any more are swept out.
constexpr int64_t sweep_interval_ms = 10'000;

} // namespace

ledger_connection::ledger_connection(const std::string& path) : db_(path) {
  prepared(db_, path);
}

sqlite_nonces::sqlite_nonces(ledger_connection& c)
    : c_(c),
      insert_(c.db().native(),
              "INSERT INTO request_nonces(nonce, expires_at) VALUES(?1, ?2)"
              " ON CONFLICT(nonce) DO UPDATE SET expires_at = excluded.expires_at"
              " WHERE request_nonces.expires_at < ?3"),
      prune_(c.db().native(), "DELETE FROM request_nonces WHERE expires_at < ?1") {
}

bool sqlite_nonces::record(std::string_view nonce, int64_t expires_at, int64_t now) {
  auto guard = c_.hold();
  insert_.bind(1, nonce).bind(2, expires_at).bind(3, now);
  insert_.execute();
  return c_.db().changes() == 1;
}

int64_t sqlite_nonces::prune(int64_t now) {
  auto guard = c_.hold();
  prune_.bind(1, now);
  prune_.execute();
  return c_.db().changes();
}

sqlite_rate_limits::sqlite_rate_limits(ledger_connection& c)
    : c_(c),
      forget_key_(c.db().native(),
                  "DELETE FROM rate_limit_calls WHERE limit_key = ?1 AND at_ms <= ?2"),
      count_(c.db().native(), "SELECT COUNT(*), MIN(at_ms) FROM rate_limit_calls"
                              " WHERE limit_key = ?1"),
      insert_(c.db().native(),
              "INSERT INTO rate_limit_calls(limit_key, at_ms) VALUES(?1, ?2)"),
      sweep_(c.db().native(), "DELETE FROM rate_limit_calls WHERE at_ms <= ?1") {
}

rate_verdict sqlite_rate_limits::admit(const std::vector<rate_limit>& limits,
                                       std::chrono::system_clock::time_point now) {
  auto now_ms
      = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
            .count();
  auto guard = c_.hold();
  rate_verdict out;
  // BEGIN IMMEDIATE takes the file's write lock: the check and the count of
  // every instance on this file are serialised.
  run_in_transaction(c_.db(), [&] {
    if (now_ms - last_sweep_ms_ >= sweep_interval_ms) {
      last_sweep_ms_ = now_ms;
      sweep_.bind(1, now_ms - max_rate_window.count());
      sweep_.execute();
    }
    for (std::size_t i = 0; i < limits.size(); ++i) {
      const auto& limit = limits[i];
      auto horizon = now_ms - limit.window.count();
      forget_key_.bind(1, limit.key).bind(2, horizon);
      forget_key_.execute();
      count_.reset(); // a step that threw last time left it mid-row
      count_.bind(1, limit.key);
      int64_t counted = 0;
      int64_t oldest = now_ms;
      if (count_.step()) {
        counted = count_.integer(0);
        if (counted > 0)
          oldest = count_.integer(1);
      }
      count_.reset();
      if (counted >= limit.max_calls) {
        out.admitted = false;
        out.refused = i;
        out.retry_after
            = std::chrono::milliseconds{std::max<int64_t>(0, oldest - horizon)};
        return; // only expired rows were deleted: committing them is harmless
      }
    }
    for (const auto& limit : limits) {
      insert_.bind(1, limit.key).bind(2, now_ms);
      insert_.execute();
    }
  });
  return out;
}

} // namespace alter::backend
