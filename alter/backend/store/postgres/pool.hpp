// Internal to the PostgreSQL store: a bounded pool of connections, the keys
// that seal the secret columns, and the lease that gives one repository call
// its connection.
//
// An autocommit call borrows a connection for the call; a transaction holds
// one from begin() to commit or rollback. Waiting for a free connection is
// bounded (store_unavailable). A connection that broke (the server restarted)
// is closed and replaced, never handed out again. As with SQLite, the thread
// that holds a transaction of a store gets store_misuse for the store's
// autocommit calls and for begin() (they could wait for that transaction's
// row locks forever), and a transaction's repositories refuse other threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "alter/backend/store/postgres/pg_connection.hpp"

namespace alter::backend {

class barrier;
enum class sealed_column;

struct pg_pool_options {
  std::size_t size = 16;
  std::chrono::milliseconds wait{5000};
};

class pg_pool {
public:
  pg_pool(std::string conninfo, std::string description, pg_pool_options options);
  ~pg_pool();

  /// A connection for this thread: an idle one, a new one while fewer than
  /// `size` exist, else the first one returned within `wait`. Throws
  /// store_unavailable.
  std::unique_ptr<pg_connection> take();
  /// Back to the pool, or closed when it broke.
  void give_back(std::unique_ptr<pg_connection> c) noexcept;

  /// This thread begins or ends holding a transaction of the store.
  void hold(bool holding);
  bool held_by_this_thread() const;

  const std::string& description() const noexcept {
    return description_;
  }
  const std::string& conninfo() const noexcept {
    return conninfo_;
  }

  /// The keys every connection seals and opens with; replaced whole (a
  /// rotation), read as a snapshot.
  void set_keys(std::shared_ptr<const barrier> keys);
  std::shared_ptr<const barrier> keys() const;

private:
  std::string conninfo_;
  std::string description_;
  pg_pool_options options_;
  mutable std::mutex mtx_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pg_connection>> idle_;
  std::size_t open_ = 0;
  std::set<std::thread::id> holders_;
  std::shared_ptr<const barrier> keys_;
};

/// One transaction's state, shared by its repositories.
struct pg_transaction_state {
  pg_connection* connection = nullptr;
  bool live = false;
  std::thread::id owner;
};

/// Where a repository's calls run: autocommit on a borrowed connection, or in
/// a transaction (`transaction` non-null).
struct pg_scope {
  pg_pool* pool = nullptr;
  const pg_transaction_state* transaction = nullptr;
  /// An autocommit call on tables no transaction writes (the ledgers): the
  /// thread holding a transaction may make it.
  bool independent = false;
};

/// The connection for the duration of one repository call.
class pg_lease {
public:
  explicit pg_lease(const pg_scope& scope);
  ~pg_lease();
  pg_lease(const pg_lease&) = delete;
  pg_lease& operator=(const pg_lease&) = delete;

  pg_query query(std::string_view sql) {
    return pg_query{*c_, sql};
  }
  pg_connection& connection() noexcept {
    return *c_;
  }
  const barrier& keys() const noexcept {
    return *keys_;
  }
  std::string seal(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view plaintext) const;
  /// The plaintext of a stored cell; throws encryption_error when it does not
  /// decrypt for this row (an empty nullable cell is an empty value).
  std::string open(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view stored) const;

  /// Runs `fn` atomically: in a transaction of its own for an autocommit call,
  /// as part of the enclosing one otherwise.
  void atomically(const std::function<void()>& fn);

private:
  pg_pool& pool_;
  std::unique_ptr<pg_connection> owned_;
  pg_connection* c_ = nullptr;
  std::shared_ptr<const barrier> keys_;
};

/// Runs `fn` between BEGIN and COMMIT on `c`; rolls back when it throws.
void run_in_transaction(pg_connection& c, const std::function<void()>& fn);

/// Ends the open transaction; a broken connection has none. Never throws.
void rollback_quietly(pg_connection& c) noexcept;

} // namespace alter::backend
