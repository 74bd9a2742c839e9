// Which store a database name means: a postgresql:// or postgres:// URL (or
// libpq keywords such as "host=... dbname=...") is a PostgreSQL database,
// anything else a SQLite file (":memory:" one in memory).
#pragma once

#include <memory>
#include <string>

#include "alter/backend/encryption/master_key.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

/// True for a PostgreSQL connection string.
bool is_postgres_database(const std::string& database);

/// How to name `database` in messages and logs: a SQLite path as it is, a
/// PostgreSQL connection string without its password.
std::string describe_database(const std::string& database);

/// How a store commits, where the implementation has a choice.
struct store_tuning {
  /// SQLite: most transactions one flush (fsync) may cover; 1 turns group
  /// commit off (one fsync per commit: the baseline the benchmarks compare
  /// with).
  int max_commit_batch = 128;
};

/// Opens (creating or migrating) the store `database` names. Throws what the
/// store's constructor throws (schema_version_error, encryption_error, ...).
std::unique_ptr<store> open_store(const std::string& database,
                                  const master_key_options& key = {},
                                  const store_tuning& tuning = {});

} // namespace alter::backend
