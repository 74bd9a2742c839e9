// The store in a PostgreSQL database (libpq): a bounded pool of connections
// (pool.hpp), statements prepared per connection and cached by their SQL text,
// secret columns sealed at rest exactly as in the SQLite store, the schema
// brought up to date by numbered migrations (migrations.hpp) on open. Several
// instances may share one database: transitions are conditional statements,
// claims are unique keys, migrations take turns under an advisory lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "alter/backend/encryption/master_key.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

class pg_pool;
struct pg_repository_set;
class pg_connection;
class pg_nonces;
class pg_rate_limits;
class pg_change_feed;

struct postgres_options {
  /// Connections open at most; a transaction holds one until it ends.
  std::size_t pool_size = 16;
  /// How long a call waits for a free connection before store_unavailable.
  std::chrono::milliseconds connection_wait{5000};
};

class postgres_store final : public store {
public:
  /// Connects to `conninfo` (a postgresql:// URL or libpq keywords) and
  /// migrates its schema (throws schema_version_error for a newer one). The
  /// master key must be named (a file or base64): a database on a server has
  /// no file next to it, and every instance must use the same key. Throws
  /// encryption_error for a missing or wrong key, store_unavailable when the
  /// server cannot be reached.
  postgres_store(const std::string& conninfo, const master_key_options& key,
                 postgres_options options = {});
  ~postgres_store() override;

  accounts_repository& accounts() override;
  grants_repository& grants() override;
  secrets_repository& secrets() override;
  audit_repository& audit() override;
  rules_repository& rules() override;
  approvals_repository& approvals() override;
  sessions_repository& sessions() override;
  idempotency_repository& idempotency() override;
  settings_repository& settings() override;
  local_users_repository& local_users() override;
  oauth_repository& oauth() override;

  /// BEGIN on a connection of the pool, held until commit or rollback.
  transaction begin() override;

  /// Rows of their own; each call atomic by itself (ledgers.hpp).
  nonces_repository& nonces() override;
  rate_limits_repository& rate_limits() override;
  /// Across instances: LISTEN/NOTIFY (change_feed.hpp).
  change_feed& changes() override;
  /// A server database: other instances may use it at the same time.
  bool shared_by_instances() const noexcept override {
    return true;
  }
  /// Whether the session lock on `process`'s name is free: its holder, the
  /// process's change-feed connection, has ended.
  bool process_gone(std::string_view process) override;

  /// Committed transactions; the server makes each durable in its own WAL
  /// flush as far as this process can tell (it may group them: commit_delay),
  /// so flushes == transactions. Autocommit calls are not counted.
  store_stats stats() const override;

  void reseal_data_keys(const master_key& next) override;
  void rotate_data_key(const master_key& kek) override;
  uint32_t data_key_id() override;

  /// How the database is named in messages: the URL without its password.
  const std::string& description() const noexcept;

private:
  void open_barrier(const master_key_options& key);
  /// Seals every sealed cell again under the current data key and refreshes
  /// the lookup hashes (a data key rotation); returns how many cells.
  int64_t reseal_values(pg_connection& c);

  std::unique_ptr<pg_pool> pool_;
  std::unique_ptr<pg_repository_set> autocommit_;
  std::unique_ptr<pg_nonces> nonces_;
  std::unique_ptr<pg_rate_limits> rate_limits_;
  std::unique_ptr<pg_change_feed> changes_;
  commit_meter commits_;
};

/// `conninfo` without its password, for messages.
std::string describe_postgres_database(const std::string& conninfo);

} // namespace alter::backend
