#include "alter/backend/store/postgres/pool.hpp"
#include "alter/backend/store/may_block.hpp"

#include "alter/backend/encryption/barrier.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store_unavailable.hpp"
#include "alter/backend/store/transaction.hpp"

namespace alter::backend {

pg_pool::pg_pool(std::string conninfo, std::string description, pg_pool_options options)
    : conninfo_(std::move(conninfo)), description_(std::move(description)),
      options_(options) {
  if (options_.size == 0)
    options_.size = 1;
}

pg_pool::~pg_pool() = default;

std::unique_ptr<pg_connection> pg_pool::take() {
  std::unique_lock<std::mutex> lock{mtx_};
  auto deadline = std::chrono::steady_clock::now() + options_.wait;
  for (;;) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->still_usable())
        return c;
      // The server closed it while it sat idle (a restart): replace it.
      --open_;
    }
    if (open_ < options_.size) {
      ++open_;
      lock.unlock();
      try {
        return std::make_unique<pg_connection>(conninfo_, description_);
      } catch (...) {
        lock.lock();
        --open_;
        returned_.notify_one();
        throw;
      }
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty()
        && open_ >= options_.size)
      throw store_unavailable("no connection to the database " + description_
                              + " became free in time");
  }
}

void pg_pool::give_back(std::unique_ptr<pg_connection> c) noexcept {
  if (!c)
    return;
  std::lock_guard<std::mutex> lock{mtx_};
  if (c->broken()) {
    --open_;
    c.reset();
  } else {
    idle_.push_back(std::move(c));
  }
  returned_.notify_one();
}

void pg_pool::hold(bool holding) {
  std::lock_guard<std::mutex> lock{mtx_};
  if (holding)
    holders_.insert(std::this_thread::get_id());
  else
    holders_.erase(std::this_thread::get_id());
}

bool pg_pool::held_by_this_thread() const {
  std::lock_guard<std::mutex> lock{mtx_};
  return holders_.count(std::this_thread::get_id()) > 0;
}

void pg_pool::set_keys(std::shared_ptr<const barrier> keys) {
  std::lock_guard<std::mutex> lock{mtx_};
  keys_ = std::move(keys);
}

std::shared_ptr<const barrier> pg_pool::keys() const {
  std::lock_guard<std::mutex> lock{mtx_};
  return keys_;
}

pg_lease::pg_lease(const pg_scope& scope) : pool_(*scope.pool) {
  expect_may_block(); // every call waits for the server
  if (!scope.transaction) {
    if (!scope.independent && pool_.held_by_this_thread())
      throw store_misuse{"this thread holds a transaction of this store: use the "
                         "transaction's repositories"};
    owned_ = pool_.take();
    c_ = owned_.get();
  } else {
    if (!scope.transaction->live)
      throw store_misuse{"the transaction already ended"};
    if (scope.transaction->owner != std::this_thread::get_id())
      throw store_misuse{"a transaction's repositories are used by another thread"};
    c_ = scope.transaction->connection;
  }
  keys_ = pool_.keys();
}

pg_lease::~pg_lease() {
  if (owned_)
    pool_.give_back(std::move(owned_));
}

std::string pg_lease::seal(sealed_column c, std::initializer_list<std::string_view> row,
                           std::string_view plaintext) const {
  const auto& spec = spec_of(c);
  return keys_->seal(plaintext, {spec.table, spec.column, row});
}

std::string pg_lease::open(sealed_column c, std::initializer_list<std::string_view> row,
                           std::string_view stored) const {
  const auto& spec = spec_of(c);
  if (stored.empty() && spec.nullable)
    return {};
  return keys_->open(stored, {spec.table, spec.column, row});
}

void pg_lease::atomically(const std::function<void()>& fn) {
  if (owned_)
    run_in_transaction(*c_, fn);
  else
    fn();
}

void rollback_quietly(pg_connection& c) noexcept {
  if (c.broken())
    return;
  try {
    c.exec("ROLLBACK");
  } catch (const postgres_error&) {
    // The connection failed meanwhile; the pool closes it.
  }
}

void run_in_transaction(pg_connection& c, const std::function<void()>& fn) {
  c.exec("BEGIN");
  try {
    fn();
    c.exec("COMMIT");
  } catch (...) {
    rollback_quietly(c);
    throw;
  }
}

} // namespace alter::backend
