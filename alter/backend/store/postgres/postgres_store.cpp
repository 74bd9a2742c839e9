#include "alter/backend/store/postgres/postgres_store.hpp"
#include "alter/backend/store/may_block.hpp"

#include <libpq-fe.h>

#include "alter/backend/store/postgres/change_feed.hpp"
#include "alter/backend/store/postgres/ledgers.hpp"
#include "alter/backend/store/postgres/migrations.hpp"
#include "alter/backend/store/postgres/pool.hpp"
#include "alter/backend/store/postgres/repositories.hpp"

namespace alter::backend {

namespace {

/// One transaction on a connection of the pool, from BEGIN to COMMIT or
/// ROLLBACK; the connection returns to the pool when it ends.
class pg_unit_of_work final : public unit_of_work {
public:
  pg_unit_of_work(pg_pool& pool, commit_meter& commits)
      : pool_(pool), commits_(commits), repositories_(pg_scope{&pool, &state_}) {
    expect_may_block(); // every call waits for the server
    if (pool_.held_by_this_thread())
      throw store_misuse{"this thread holds a transaction of this store: use the "
                         "transaction's repositories"};
    connection_ = pool_.take();
    try {
      connection_->exec("BEGIN");
    } catch (...) {
      pool_.give_back(std::move(connection_));
      throw;
    }
    pool_.hold(true);
    state_.connection = connection_.get();
    state_.owner = std::this_thread::get_id();
    state_.live = true;
  }

  ~pg_unit_of_work() override {
    rollback();
  }

  void commit() override {
    if (!state_.live)
      throw store_misuse{"the transaction already ended"};
    auto started = std::chrono::steady_clock::now();
    connection_->exec("COMMIT");
    commits_.flushed(1, std::chrono::steady_clock::now() - started);
    end();
  }

  void rollback() noexcept override {
    if (!state_.live)
      return;
    rollback_quietly(*connection_);
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
  oauth_repository& oauth() override {
    return repositories_.oauth;
  }

private:
  void end() noexcept {
    state_.live = false;
    state_.connection = nullptr;
    // The thread that began it ends it (its repositories refuse others).
    try {
      pool_.hold(false);
    } catch (...) {
      // std::set::erase does not throw; the mutex could only fail on a broken
      // system, where the thread keeps refusing its own calls.
    }
    pool_.give_back(std::move(connection_));
  }

  pg_pool& pool_;
  commit_meter& commits_;
  pg_transaction_state state_;
  std::unique_ptr<pg_connection> connection_;
  pg_repository_set repositories_;
};

} // namespace

std::string describe_postgres_database(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (!options) {
    if (error)
      PQfreemem(error);
    return "postgresql (unparsable connection string)";
  }
  std::string user;
  std::string host;
  std::string port;
  std::string dbname;
  for (auto* o = options; o->keyword; ++o) {
    if (!o->val)
      continue;
    std::string key = o->keyword;
    if (key == "user")
      user = o->val;
    else if (key == "host")
      host = o->val;
    else if (key == "port")
      port = o->val;
    else if (key == "dbname")
      dbname = o->val;
  }
  PQconninfoFree(options);
  std::string out = "postgresql://";
  if (!user.empty())
    out += user + "@";
  // A Unix socket directory is a path; it reads better as a parameter.
  bool socket_dir = !host.empty() && host.front() == '/';
  if (!socket_dir)
    out += host;
  if (!port.empty())
    out += ":" + port;
  out += "/" + dbname;
  if (socket_dir)
    out += "?host=" + host;
  return out;
}

postgres_store::postgres_store(const std::string& conninfo,
                               const master_key_options& key, postgres_options options)
    : pool_(std::make_unique<pg_pool>(
        conninfo, describe_postgres_database(conninfo),
        pg_pool_options{options.pool_size, options.connection_wait})),
      autocommit_(std::make_unique<pg_repository_set>(pg_scope{pool_.get(), nullptr})) {
  {
    auto c = pool_->take();
    try {
      migrate(*c, pool_->description());
    } catch (...) {
      pool_->give_back(std::move(c));
      throw;
    }
    pool_->give_back(std::move(c));
  }
  open_barrier(key);
  nonces_ = std::make_unique<pg_nonces>(*pool_);
  rate_limits_ = std::make_unique<pg_rate_limits>(*pool_);
  changes_ = std::make_unique<pg_change_feed>(*pool_, pool_->conninfo());
}

postgres_store::~postgres_store() = default;

const std::string& postgres_store::description() const noexcept {
  return pool_->description();
}

accounts_repository& postgres_store::accounts() {
  return autocommit_->accounts;
}
grants_repository& postgres_store::grants() {
  return autocommit_->grants;
}
secrets_repository& postgres_store::secrets() {
  return autocommit_->secrets;
}
audit_repository& postgres_store::audit() {
  return autocommit_->audit;
}
rules_repository& postgres_store::rules() {
  return autocommit_->rules;
}
approvals_repository& postgres_store::approvals() {
  return autocommit_->approvals;
}
sessions_repository& postgres_store::sessions() {
  return autocommit_->sessions;
}
idempotency_repository& postgres_store::idempotency() {
  return autocommit_->idempotency;
}
settings_repository& postgres_store::settings() {
  return autocommit_->settings;
}
local_users_repository& postgres_store::local_users() {
  return autocommit_->local_users;
}
oauth_repository& postgres_store::oauth() {
  return autocommit_->oauth;
}

nonces_repository& postgres_store::nonces() {
  return *nonces_;
}
rate_limits_repository& postgres_store::rate_limits() {
  return *rate_limits_;
}
bool postgres_store::process_gone(std::string_view process) {
  pg_lease lease{pg_scope{pool_.get(), nullptr, true}};
  // Read, never taken: a lock taken here and not given back (a failed unlock)
  // would stay with a pooled session. A two-key advisory lock shows as
  // classid = key 1, objid = key 2 (as an unsigned oid), objsubid = 2.
  auto held = lease
                  .query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                         " AND classid = $1::bigint::oid"
                         " AND objid = (hashtext($2)::bigint & 4294967295)::oid"
                         " AND objsubid = 2 AND granted")
                  .bind(1, int64_t{process_lock_class})
                  .bind(2, process)
                  .run();
  return held.size() == 1 && held.integer(0, 0) == 0;
}

change_feed& postgres_store::changes() {
  return *changes_;
}

transaction postgres_store::begin() {
  return transaction{std::make_unique<pg_unit_of_work>(*pool_, commits_)};
}

store_stats postgres_store::stats() const {
  return commits_.snapshot();
}

} // namespace alter::backend
