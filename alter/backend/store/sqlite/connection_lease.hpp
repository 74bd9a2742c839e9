// Internal to the SQLite store: what a repository call runs on.
//
// Every repository call takes a connection_lease of its kind first:
// - in a transaction, both kinds use the writer connection, after checking
//   that the transaction is live and that this thread holds it;
// - an autocommit write is a work of its own in the group commit (a one-call
//   transaction): commit() returns once it is durable, and a lease destroyed
//   without commit() undoes it;
// - an autocommit read takes a connection of the read pool and reads in one
//   read transaction (one snapshot of durable data). A database in memory has
//   no read pool (one connection only): its reads take the writer, flushed.
// A thread holding a transaction gets store_misuse for an autocommit call on
// the same store (a write would wait for itself), never a deadlock.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "alter/backend/store/sqlite/group_commit.hpp"
#include "alter/backend/store/sqlite/read_pool.hpp"

namespace alter::backend {

class barrier;
enum class sealed_column;

/// The data keys every connection seals and opens with. Replaced as a whole
/// (key rotation), so a call keeps the keys it started with.
class sqlite_keys {
public:
  std::shared_ptr<const barrier> current() const;
  void set(std::shared_ptr<const barrier> keys);

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const barrier> keys_;
};

/// The store's connections: the writer, the read pool (null in memory), keys.
struct sqlite_connections {
  group_commit_writer writer;
  std::unique_ptr<read_pool> readers;
  sqlite_keys keys;

  sqlite_connections(const std::string& path, group_commit_options options)
      : writer(path, std::move(options)) {
  }
};

/// Where a repository's calls run: autocommit, or inside a transaction whose
/// liveness `transaction_live` tells.
struct sqlite_scope {
  sqlite_connections* connections = nullptr;
  /// Null for autocommit.
  const bool* transaction_live = nullptr;
};

/// What a repository call does to the database.
enum class access {
  read,
  write,
};

/// The connection for the duration of one repository call.
class connection_lease {
public:
  connection_lease(const sqlite_scope& scope, access kind);
  ~connection_lease();
  connection_lease(const connection_lease&) = delete;
  connection_lease& operator=(const connection_lease&) = delete;

  statement& cached(std::string_view sql) {
    return c_->cached(sql);
  }
  database& db() noexcept {
    return c_->db();
  }
  int64_t changes() const noexcept {
    return c_->db().changes();
  }
  std::shared_ptr<const barrier> keys();
  std::string seal(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view plaintext);
  /// The plaintext of a stored cell; throws encryption_error when it does not
  /// decrypt for this row (an empty nullable cell is an empty value).
  std::string open(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view stored);

  /// Ends a write: an autocommit one returns once it is durable (throws, and
  /// nothing of it stays, when it could not be made so); in a transaction the
  /// transaction's commit decides.
  void commit();
  /// Ends an autocommit write without waiting for its flush
  /// (durability::with_batch): for the ledgers only, whose rows every later
  /// effect of their request follows on the same connection.
  void commit_with_batch();
  /// commit(), passing `result` (computed before: e.g. changes()) through.
  template <class T>
  T commit(T result) {
    commit();
    return result;
  }

private:
  enum class mode { in_transaction, autocommit_write, pooled_read, flushed_read };

  sqlite_connections& connections_;
  sqlite_connection* c_ = nullptr;
  read_pool::reader* reader_ = nullptr;
  mode mode_;
  bool committed_ = false;
};

} // namespace alter::backend
