#include "backend/store/sqlite/connection.hpp"

#include "backend/encryption/barrier.hpp"
#include "backend/store/may_block.hpp"
#include "backend/store/sqlite/sealed_columns.hpp"
#include "backend/store/transaction.hpp"

namespace alter::backend {

sqlite_connection::sqlite_connection(const std::string& path) : db_(path) {
}

sqlite_connection::~sqlite_connection() = default;

statement& sqlite_connection::cached(std::string_view sql) {
  auto i = statements_.find(sql);
  if (i == statements_.end())
    i = statements_.emplace(std::string{sql}, db_.prepare(sql)).first;
  // A statement that threw mid-step last time must not carry stale state.
  i->second.reset();
  return i->second;
}

void sqlite_connection::acquire() {
  if (held_by_this_thread())
    throw store_misuse{"this thread holds a transaction of this store: use the "
                       "transaction's repositories"};
  mtx_.lock();
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
}

void sqlite_connection::release() noexcept {
  owner_.store(std::thread::id{}, std::memory_order_relaxed);
  mtx_.unlock();
}

bool sqlite_connection::held_by_this_thread() const noexcept {
  // Only this thread ever stores its own id, so a relaxed read is exact for it.
  return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id();
}

void sqlite_connection::set_barrier(std::unique_ptr<barrier> keys) {
  barrier_ = std::move(keys);
}

barrier& sqlite_connection::keys() {
  return *barrier_;
}

std::string sqlite_connection::seal(sealed_column c,
                                    std::initializer_list<std::string_view> row,
                                    std::string_view plaintext) {
  const auto& spec = spec_of(c);
  return barrier_->seal(plaintext, {spec.table, spec.column, row});
}

std::string sqlite_connection::open(sealed_column c,
                                    std::initializer_list<std::string_view> row,
                                    std::string_view stored) {
  const auto& spec = spec_of(c);
  if (stored.empty() && spec.nullable)
    return {};
  return barrier_->open(stored, {spec.table, spec.column, row});
}

connection_lease::connection_lease(const sqlite_scope& scope)
    : c_(*scope.connection), autocommit_(scope.transaction_live == nullptr) {
  expect_may_block();
  if (autocommit_) {
    c_.acquire();
    return;
  }
  if (!*scope.transaction_live)
    throw store_misuse{"the transaction already ended"};
  if (!c_.held_by_this_thread())
    throw store_misuse{"a transaction's repositories are used by another thread"};
}

connection_lease::~connection_lease() {
  if (autocommit_)
    c_.release();
}

void connection_lease::atomically(const std::function<void()>& fn) {
  if (autocommit_)
    run_in_transaction(c_.db(), fn);
  else
    fn();
}

void rollback_quietly(database& db) noexcept {
  try {
    db.exec("ROLLBACK");
  } catch (const sqlite_error&) {
    // SQLite already rolled back (an I/O error or a full disk does).
  }
}

void run_in_transaction(database& db, const std::function<void()>& fn) {
  db.exec("BEGIN IMMEDIATE");
  try {
    fn();
    db.exec("COMMIT");
  } catch (...) {
    rollback_quietly(db);
    throw;
  }
}

} // namespace alter::backend
