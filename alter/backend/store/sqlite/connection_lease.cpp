#include "alter/backend/store/sqlite/connection_lease.hpp"

#include "alter/backend/encryption/barrier.hpp"
#include "alter/backend/store/may_block.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/transaction.hpp"

namespace alter::backend {

std::shared_ptr<const barrier> sqlite_keys::current() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return keys_;
}

void sqlite_keys::set(std::shared_ptr<const barrier> keys) {
  std::lock_guard<std::mutex> guard{mtx_};
  keys_ = std::move(keys);
}

connection_lease::connection_lease(const sqlite_scope& scope, access kind)
    : connections_(*scope.connections) {
  expect_may_block();
  auto& writer = connections_.writer;
  if (scope.transaction_live) {
    if (!*scope.transaction_live)
      throw store_misuse{"the transaction already ended"};
    if (!writer.held_by_this_thread())
      throw store_misuse{"a transaction's repositories are used by another thread"};
    mode_ = mode::in_transaction;
    c_ = &writer.connection();
    return;
  }
  if (writer.held_by_this_thread())
    throw store_misuse{"this thread holds a transaction of this store: use the "
                       "transaction's repositories"};
  if (kind == access::write) {
    writer.begin_work();
    mode_ = mode::autocommit_write;
    c_ = &writer.connection();
    return;
  }
  if (!connections_.readers) {
    writer.acquire_flushed();
    mode_ = mode::flushed_read;
    c_ = &writer.connection();
    return;
  }
  reader_ = &connections_.readers->acquire();
  mode_ = mode::pooled_read;
  c_ = &reader_->connection;
  try {
    // One snapshot for the whole call (a count and its page agree).
    c_->cached("BEGIN").execute();
  } catch (...) {
    reader_->lock.unlock();
    throw;
  }
}

connection_lease::~connection_lease() {
  switch (mode_) {
    case mode::in_transaction:
      return;
    case mode::autocommit_write:
      if (!committed_)
        connections_.writer.rollback_work();
      return;
    case mode::flushed_read:
      connections_.writer.release();
      return;
    case mode::pooled_read:
      try {
        c_->cached("COMMIT").execute();
      } catch (const sqlite_error&) {
        rollback_quietly(c_->db());
      }
      reader_->lock.unlock();
      return;
  }
}

void connection_lease::commit() {
  if (mode_ != mode::autocommit_write || committed_)
    return;
  committed_ = true;
  connections_.writer.commit_work();
}

void connection_lease::commit_with_batch() {
  if (mode_ != mode::autocommit_write || committed_)
    return;
  committed_ = true;
  connections_.writer.commit_work(durability::with_batch);
}

std::shared_ptr<const barrier> connection_lease::keys() {
  auto k = connections_.keys.current();
  if (!k)
    throw encryption_error("the store's data keys are not open");
  return k;
}

std::string connection_lease::seal(sealed_column c,
                                   std::initializer_list<std::string_view> row,
                                   std::string_view plaintext) {
  const auto& spec = spec_of(c);
  return keys()->seal(plaintext, {spec.table, spec.column, row});
}

std::string connection_lease::open(sealed_column c,
                                   std::initializer_list<std::string_view> row,
                                   std::string_view stored) {
  const auto& spec = spec_of(c);
  if (stored.empty() && spec.nullable)
    return {};
  return keys()->open(stored, {spec.table, spec.column, row});
}

} // namespace alter::backend
