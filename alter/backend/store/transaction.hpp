// A write transaction (unit of work): begun by store::begin(), its repositories
// see and write one consistent state, commit() returns once its writes are
// durable (all at once), and destruction without commit() rolls them all back.
//
// The thread that begins a transaction holds its store's writer until the
// transaction ends (other threads' reads go on): only that thread uses the
// transaction's repositories, and that thread's autocommit calls on the same
// store fail with store_misuse (they would wait for itself) instead of
// deadlocking.
#pragma once

#include <memory>
#include <stdexcept>

#include "alter/backend/store/repositories.hpp"

namespace alter::backend {

/// A store used against its locking rules (see above); a programming error.
class store_misuse : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

/// What a database implementation provides for one transaction.
class unit_of_work : public repositories {
public:
  /// Makes the writes durable and ends the work: afterwards its repositories
  /// refuse every call with store_misuse. When it throws, nothing was written.
  virtual void commit() = 0;
  /// Undoes the writes and ends the work, unless it ended. Never throws.
  virtual void rollback() noexcept = 0;
};

class transaction final : public repositories {
public:
  explicit transaction(std::unique_ptr<unit_of_work> work) : work_(std::move(work)) {
  }
  transaction(transaction&&) noexcept = default;
  transaction& operator=(transaction&&) = delete;
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction() override {
    if (work_)
      work_->rollback();
  }

  /// Ends the transaction; its repositories (and references to them) refuse
  /// calls from then on.
  void commit() {
    try {
      live().commit();
    } catch (...) {
      live().rollback();
      throw;
    }
  }

  accounts_repository& accounts() override {
    return live().accounts();
  }
  grants_repository& grants() override {
    return live().grants();
  }
  secrets_repository& secrets() override {
    return live().secrets();
  }
  audit_repository& audit() override {
    return live().audit();
  }
  rules_repository& rules() override {
    return live().rules();
  }
  approvals_repository& approvals() override {
    return live().approvals();
  }
  sessions_repository& sessions() override {
    return live().sessions();
  }
  idempotency_repository& idempotency() override {
    return live().idempotency();
  }
  settings_repository& settings() override {
    return live().settings();
  }
  local_users_repository& local_users() override {
    return live().local_users();
  }
  oauth_repository& oauth() override {
    return live().oauth();
  }

private:
  unit_of_work& live() {
    if (!work_)
      throw store_misuse{"the transaction was moved from"};
    return *work_;
  }

  std::unique_ptr<unit_of_work> work_;
};

} // namespace alter::backend
