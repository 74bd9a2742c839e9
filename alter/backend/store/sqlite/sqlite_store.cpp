#include "alter/backend/store/sqlite/sqlite_store.hpp"

#include "alter/backend/store/local_change_feed.hpp"
#include "alter/backend/store/may_block.hpp"
#include "alter/backend/store/sqlite/connection.hpp"
#include "alter/backend/store/sqlite/connection_lease.hpp"
#include "alter/backend/store/sqlite/ledgers.hpp"
#include "alter/backend/store/sqlite/migrations.hpp"
#include "alter/backend/store/sqlite/repositories.hpp"

namespace alter::backend {

namespace {

/// One write transaction: a work of the group commit, holding the writer from
/// construction to commit or rollback.
class sqlite_unit_of_work final : public unit_of_work {
public:
  explicit sqlite_unit_of_work(sqlite_connections& c)
      : writer_(c.writer), repositories_(sqlite_scope{&c, &live_}) {
    expect_may_block();
    writer_.begin_work();
    live_ = true;
  }

  ~sqlite_unit_of_work() override {
    rollback();
  }

  void commit() override {
    if (!live_)
      throw store_misuse{"the transaction already ended"};
    live_ = false; // from here on the work is the batch's
    writer_.commit_work();
  }

  void rollback() noexcept override {
    if (!live_)
      return;
    live_ = false;
    writer_.rollback_work();
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
  oauth_repository& oauth() override {
    return repositories_.oauth;
  }

private:
  group_commit_writer& writer_;
  bool live_ = false;
  sqlite_repository_set repositories_;
};

} // namespace

namespace {

bool in_memory(const std::string& path) {
  // file::memory:?cache=shared would allow several connections, but gains
  // nothing without a disk: memory keeps the one connection.
  return path.empty() || path == ":memory:";
}

group_commit_options batching(sqlite_store_options& o) {
  group_commit_options out;
  out.max_batch = o.max_batch;
  out.max_age = o.max_batch_age;
  out.before_flush = std::move(o.before_flush);
  return out;
}

} // namespace

sqlite_store::sqlite_store(const std::string& path, const master_key_options& key,
                           sqlite_store_options options)
    : connections_(std::make_unique<sqlite_connections>(path, batching(options))),
      autocommit_(std::make_unique<sqlite_repository_set>(
          sqlite_scope{connections_.get(), nullptr})) {
  auto& db = connections_->writer.connection().db();
  // Deleted and overwritten cells are zeroed, so no old value (a clear one of
  // an upgraded database, an answer replaced) lingers in free space.
  db.exec("PRAGMA secure_delete=ON");
  migrate(db, path);
  open_barrier(key, path);
  nonces_ = std::make_unique<sqlite_nonces>(sqlite_scope{connections_.get(), nullptr});
  rate_limits_
      = std::make_unique<sqlite_rate_limits>(sqlite_scope{connections_.get(), nullptr});
  changes_ = std::make_unique<local_change_feed>();
  // Opened once the schema exists: readers never see a half-made database.
  if (!in_memory(path) && options.read_connections > 0)
    connections_->readers = std::make_unique<read_pool>(path, options.read_connections);
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
oauth_repository& sqlite_store::oauth() {
  return autocommit_->oauth;
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
  return transaction{std::make_unique<sqlite_unit_of_work>(*connections_)};
}

store_stats sqlite_store::stats() const {
  return connections_->writer.stats();
}

} // namespace alter::backend
