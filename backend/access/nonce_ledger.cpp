#include "backend/access/nonce_ledger.hpp"

namespace alter::backend {

namespace {

/// Its own connection, so that recording a nonce never waits for an fsync: in WAL
/// mode a commit under NORMAL is in the WAL once it returns, which survives the
/// process being killed; only a crash of the machine could lose the last few.
sqlite3* with_schema(database& db) {
  db.exec("PRAGMA synchronous=NORMAL");
  db.exec("CREATE TABLE IF NOT EXISTS request_nonces ("
          " nonce TEXT PRIMARY KEY,"
          " expires_at INTEGER NOT NULL) WITHOUT ROWID");
  db.exec("CREATE INDEX IF NOT EXISTS request_nonces_by_expiry"
          " ON request_nonces(expires_at)");
  return db.native();
}

} // namespace

nonce_ledger::nonce_ledger(const std::string& path, int64_t window_seconds)
    : window_(window_seconds), db_(path),
      // An expired entry is taken over: its request could not pass the skew check.
      insert_(with_schema(db_),
              "INSERT INTO request_nonces(nonce, expires_at) VALUES(?1, ?2)"
              " ON CONFLICT(nonce) DO UPDATE SET expires_at = excluded.expires_at"
              " WHERE request_nonces.expires_at < ?3"),
      prune_(db_.native(), "DELETE FROM request_nonces WHERE expires_at < ?1") {
}

bool nonce_ledger::record(std::string_view nonce, int64_t timestamp, int64_t now) {
  std::lock_guard guard{mtx_};
  if (now - last_sweep_ >= window_ / 10 + 1)
    sweep(now);
  // Acceptable while |now - timestamp| <= window: until timestamp + window.
  insert_.bind(1, nonce).bind(2, timestamp + window_).bind(3, now);
  insert_.execute();
  return db_.changes() == 1;
}

void nonce_ledger::sweep(int64_t now) {
  last_sweep_ = now;
  prune_.bind(1, now);
  prune_.execute();
}

} // namespace alter::backend
