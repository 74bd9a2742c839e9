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

#include "backend/store/repositories.hpp"
#include "backend/store/transaction.hpp"

namespace alter::backend {

class master_key;

/// Durable commits so far: `transactions` committed write transactions (an
/// autocommit write counts as one), made durable in `flushes` groups (each one
/// fsync); flushes < transactions when concurrent commits shared a flush.
struct store_stats {
  uint64_t transactions = 0;
  uint64_t flushes = 0;
};

class store : public repositories {
public:
  /// A write transaction: it holds the database's writer (other writers, in this
  /// process or another, wait) until it commits or is destroyed.
  virtual transaction begin() = 0;

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
