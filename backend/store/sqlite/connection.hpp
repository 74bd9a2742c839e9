// Internal to the SQLite store: its one database handle with the statements
// cached by their SQL text, the barrier that seals the secret columns, and the
// lock that gives the handle to one thread at a time.
//
// Every repository call runs under a lease (connection_lease): an autocommit
// call takes the lock for the call; a call of a transaction's repositories
// checks that its transaction is live and that this thread holds it. A thread
// that asks for the lock it already holds gets store_misuse, never a deadlock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "backend/store/sqlite/database.hpp"

namespace alter::backend {

class barrier;
enum class sealed_column;

class sqlite_connection {
public:
  explicit sqlite_connection(const std::string& path);
  ~sqlite_connection();

  database& db() noexcept {
    return db_;
  }

  /// The prepared statement of `sql`, reset; prepared on first use.
  statement& cached(std::string_view sql);

  /// Takes the lock for this thread; store_misuse when this thread holds it.
  void acquire();
  void release() noexcept;
  bool held_by_this_thread() const noexcept;

  void set_barrier(std::unique_ptr<barrier> keys);
  barrier& keys();

  std::string seal(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view plaintext);
  /// The plaintext of a stored cell; throws encryption_error when it does not
  /// decrypt for this row (an empty nullable cell is an empty value).
  std::string open(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view stored);

private:
  database db_;
  // Keyed by the text itself: equal SQL shares one statement, wherever it is spelled.
  std::map<std::string, statement, std::less<>> statements_;
  std::unique_ptr<barrier> barrier_;
  std::mutex mtx_;
  std::atomic<std::thread::id> owner_{};
};

/// Where a repository's calls run: autocommit on the connection, or inside a
/// transaction whose liveness `transaction_live` tells.
struct sqlite_scope {
  sqlite_connection* connection = nullptr;
  /// Null for autocommit.
  const bool* transaction_live = nullptr;
};

/// The connection for the duration of one repository call.
class connection_lease {
public:
  explicit connection_lease(const sqlite_scope& scope);
  ~connection_lease();
  connection_lease(const connection_lease&) = delete;
  connection_lease& operator=(const connection_lease&) = delete;

  statement& cached(std::string_view sql) {
    return c_.cached(sql);
  }
  database& db() noexcept {
    return c_.db();
  }
  int64_t changes() const noexcept {
    return c_.db().changes();
  }
  barrier& keys() {
    return c_.keys();
  }
  std::string seal(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view plaintext) {
    return c_.seal(c, row, plaintext);
  }
  std::string open(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view stored) {
    return c_.open(c, row, stored);
  }

  /// Runs `fn` atomically: in a transaction of its own for an autocommit call,
  /// as part of the enclosing one otherwise.
  void atomically(const std::function<void()>& fn);

private:
  sqlite_connection& c_;
  bool autocommit_;
};

/// Runs `fn` between BEGIN IMMEDIATE and COMMIT on a connection this thread
/// holds; rolls back when it throws.
void run_in_transaction(database& db, const std::function<void()>& fn);

/// Ends the open transaction, if SQLite has not already.
void rollback_quietly(database& db) noexcept;

} // namespace alter::backend
