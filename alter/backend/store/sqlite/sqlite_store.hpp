// The store in one SQLite database (WAL, synchronous=FULL): one writer
// connection whose concurrent transactions share fsyncs (group commit,
// group_commit.hpp), read-only connections for autocommit reads (read_pool.hpp),
// statements cached by their SQL text, secret columns sealed at rest, the
// schema brought up to date by numbered migrations (migrations.hpp) on open.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "alter/backend/encryption/master_key.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

struct sqlite_connections;
struct sqlite_repository_set;
class connection_lease;
class sqlite_nonces;
class sqlite_rate_limits;
class local_change_feed;
class database;

struct sqlite_store_options {
  /// Read-only connections serving autocommit reads of a database file. A
  /// database in memory has one connection only (a second one would be another,
  /// empty database), so it has none: its reads take the writer.
  int read_connections = 4;
  /// A batch of transactions is flushed at the latest when it holds this many...
  int max_batch = 128;
  /// ...or is this old, even while more writers wait to join it.
  std::chrono::microseconds max_batch_age{2000};
  /// Tests only: runs on the writer connection just before each flush (the
  /// batch's COMMIT), with the number of transactions in the batch; a throw
  /// fails the flush like a failing COMMIT.
  std::function<void(database&, int works)> before_flush;
};

class sqlite_store final : public store {
public:
  /// Opens or creates the database at `path` and migrates its schema (throws
  /// schema_version_error for a database of a newer version). Its secret
  /// columns are encrypted under data keys sealed by the master key `key` names
  /// (see barrier.hpp); an older database's clear values are encrypted on open.
  /// Throws encryption_error for a missing, loose or wrong master key.
  explicit sqlite_store(const std::string& path, const master_key_options& key = {},
                        sqlite_store_options options = {});
  ~sqlite_store() override;

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

  /// Takes the writer now (a savepoint in the open batch, which holds the
  /// database file's write lock); its commit returns once the batch is durable.
  transaction begin() override;
  store_stats stats() const override;

  /// On the writer, not waiting for their flush (ledgers.hpp).
  nonces_repository& nonces() override;
  rate_limits_repository& rate_limits() override;
  /// In-process: a SQLite file has one server.
  change_feed& changes() override;
  bool shared_by_instances() const noexcept override {
    return false;
  }
  /// A file cannot tell whether the processes sharing it run: false.
  bool process_gone(std::string_view) override {
    return false;
  }

  void reseal_data_keys(const master_key& next) override;
  void rotate_data_key(const master_key& kek) override;
  uint32_t data_key_id() override;

private:
  void open_barrier(const master_key_options& key, const std::string& path);
  /// Seals the clear cells of the secret columns (all cells when `all`, under
  /// the current data key) and refreshes the lookup hashes; returns how many.
  int64_t reseal_values(database& db, bool all);
  /// PRAGMA wal_checkpoint(TRUNCATE), with no batch open.
  void checkpoint();

  std::unique_ptr<sqlite_connections> connections_;
  std::unique_ptr<sqlite_repository_set> autocommit_;
  std::unique_ptr<sqlite_nonces> nonces_;
  std::unique_ptr<sqlite_rate_limits> rate_limits_;
  std::unique_ptr<local_change_feed> changes_;
};

} // namespace alter::backend
