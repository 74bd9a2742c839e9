#include "backend/store/sqlite/sqlite_store.hpp"

#include "backend/store/local_change_feed.hpp"
#include "backend/store/sqlite/connection.hpp"
#include "backend/store/sqlite/ledgers.hpp"
#include "backend/store/sqlite/migrations.hpp"
#include "backend/store/sqlite/repositories.hpp"

namespace alter::backend {

namespace {

/// One write transaction on the connection: the lock and BEGIN IMMEDIATE from
/// construction to commit or rollback.
class sqlite_unit_of_work final : public unit_of_work {
public:
  explicit sqlite_unit_of_work(sqlite_connection& c)
      : c_(c), repositories_(sqlite_scope{&c, &live_}) {
    c_.acquire();
    try {
      c_.db().exec("BEGIN IMMEDIATE");
    } catch (...) {
      c_.release();
      throw;
    }
    live_ = true;
  }

  ~sqlite_unit_of_work() override {
    rollback();
  }

  void commit() override {
    if (!live_)
      throw store_misuse{"the transaction already ended"};
    c_.db().exec("COMMIT");
    end();
  }

  void rollback() noexcept override {
    if (!live_)
      return;
    rollback_quietly(c_.db());
    end();
  }

  accounts_repository& accounts() override {
    return repositories_.accounts;
  }
  grants_repository& grants() override {
    return repositories_.grants;
  }
  secrets_repository& secrets() override {
    return repositories_.secrets;
  }
  audit_repository& audit() override {
    return repositories_.audit;
  }
  rules_repository& rules() override {
    return repositories_.rules;
  }
  approvals_repository& approvals() override {
    return repositories_.approvals;
  }
  sessions_repository& sessions() override {
    return repositories_.sessions;
  }
  idempotency_repository& idempotency() override {
    return repositories_.idempotency;
  }
  settings_repository& settings() override {
    return repositories_.settings;
  }
  local_users_repository& local_users() override {
    return repositories_.local_users;
  }

private:
  void end() noexcept {
    live_ = false;
    c_.release();
  }

  sqlite_connection& c_;
  bool live_ = false;
  sqlite_repository_set repositories_;
};

} // namespace

sqlite_store::sqlite_store(const std::string& path, const master_key_options& key)
    : connection_(std::make_unique<sqlite_connection>(path)),
      autocommit_(std::make_unique<sqlite_repository_set>(
          sqlite_scope{connection_.get(), nullptr})) {
  // Deleted and overwritten cells are zeroed, so no old value (a clear one of
  // an upgraded database, an answer replaced) lingers in free space.
  connection_->db().exec("PRAGMA secure_delete=ON");
  migrate(connection_->db(), path);
  open_barrier(key, path);
  ledgers_ = std::make_unique<ledger_connection>(path);
  nonces_ = std::make_unique<sqlite_nonces>(*ledgers_);
  rate_limits_ = std::make_unique<sqlite_rate_limits>(*ledgers_);
  changes_ = std::make_unique<local_change_feed>();
}

sqlite_store::~sqlite_store() = default;

accounts_repository& sqlite_store::accounts() {
  return autocommit_->accounts;
}
grants_repository& sqlite_store::grants() {
  return autocommit_->grants;
}
secrets_repository& sqlite_store::secrets() {
  return autocommit_->secrets;
}
audit_repository& sqlite_store::audit() {
  return autocommit_->audit;
}
rules_repository& sqlite_store::rules() {
  return autocommit_->rules;
}
approvals_repository& sqlite_store::approvals() {
  return autocommit_->approvals;
}
sessions_repository& sqlite_store::sessions() {
  return autocommit_->sessions;
}
idempotency_repository& sqlite_store::idempotency() {
  return autocommit_->idempotency;
}
settings_repository& sqlite_store::settings() {
  return autocommit_->settings;
}
local_users_repository& sqlite_store::local_users() {
  return autocommit_->local_users;
}

nonces_repository& sqlite_store::nonces() {
  return *nonces_;
}
rate_limits_repository& sqlite_store::rate_limits() {
  return *rate_limits_;
}
change_feed& sqlite_store::changes() {
  return *changes_;
}

transaction sqlite_store::begin() {
  return transaction{std::make_unique<sqlite_unit_of_work>(*connection_)};
}

} // namespace alter::backend
