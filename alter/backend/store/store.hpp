// The backend's state: repositories over one database (interface; the SQLite
// implementation is sqlite/sqlite_store.hpp). Thread-safe: request handlers on
// several I/O threads share one store.
//
// db.grants().find(id) runs as one autocommit call; several writes that must
// land together run in a transaction:
//
//   auto tx = db.begin();
//   tx.grants().insert(g);
//   tx.secrets().insert(s);
//   tx.commit();            // or leave the scope: rolled back
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "alter/backend/store/change_feed.hpp"
#include "alter/backend/store/commit_meter.hpp"
#include "alter/backend/store/nonces_repository.hpp"
#include "alter/backend/store/rate_limits_repository.hpp"
#include "alter/backend/store/repositories.hpp"
#include "alter/backend/store/transaction.hpp"

namespace alter::backend {

class master_key;

class store : public repositories {
public:
  /// A write transaction: it holds the database's writer (other writers, in this
  /// process or another, wait) until it commits or is destroyed.
  virtual transaction begin() = 0;

  // What instances sharing the database share beyond the rows (never part of a
  // transaction: each call is atomic on its own).
  /// The nonces of accepted signed requests.
  virtual nonces_repository& nonces() = 0;
  /// The calls counted by rate-limit rules.
  virtual rate_limits_repository& rate_limits() = 0;
  /// Wake-ups for waiters; reaches other instances when the database can carry
  /// them. Subscriptions end before the store is destroyed.
  virtual change_feed& changes() = 0;
  /// Whether other live instances may use this database at the same time (a
  /// server database such as PostgreSQL). Then nothing at start may treat
  /// another owner's unfinished work as abandoned just because this process
  /// started: see settle_interrupted_claims. False for a SQLite file, which one
  /// server uses (local_backend can be told otherwise: backend_options).
  virtual bool shared_by_instances() const noexcept = 0;
  /// Whether the backend process named `process` (its this_process()) is
  /// known to have ended. PostgreSQL can tell: a running process holds a
  /// session lock on its name. A store that cannot tell says false, and its
  /// claims wait for their lease.
  virtual bool process_gone(std::string_view process) = 0;
  /// Cheap (counters): for benchmarks and metrics.
  virtual store_stats stats() const = 0;

  // Encryption at rest (docs/security.md).
  /// Re-seals the data keys under `next` (master key rotation); values stay.
  virtual void reseal_data_keys(const master_key& next) = 0;
  /// A new data key: every sealed value re-encrypted under it in one
  /// transaction, the old data keys dropped. `kek` must be the master key.
  virtual void rotate_data_key(const master_key& kek) = 0;
  /// The id of the data key new values are sealed with.
  virtual uint32_t data_key_id() = 0;
};

/// Runs `fn(tx)` in a write transaction of `db` and commits it; when `fn`
/// throws, nothing it wrote stays.
template <class F>
void in_transaction(store& db, F&& fn) {
  auto tx = db.begin();
  fn(tx);
  tx.commit();
}

/// The current UTC time as ISO 8601 with milliseconds, e.g. 2026-11-28T16:09:32.123Z;
/// `offset` moves it (negative: the past).
std::string now_iso8601(std::chrono::seconds offset = std::chrono::seconds{0});

} // namespace alter::backend
