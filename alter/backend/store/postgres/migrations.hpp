// Internal to the PostgreSQL store: its schema as numbered migrations, each
// recorded in the table schema_migrations. All missing ones run in one
// transaction under an advisory lock, so instances starting at once apply
// each migration exactly once and a crash leaves the database at one version.
#pragma once

#include <string>

#include "alter/backend/store/postgres/pg_connection.hpp"

namespace alter::backend {

/// The schema version this code writes: the number of the last migration.
int current_pg_schema_version();

/// The database's recorded schema version (0: new).
int pg_schema_version(pg_connection& c);

/// Applies the migrations the database lacks. Throws schema_version_error
/// (naming `description`) for a database of a newer version.
void migrate(pg_connection& c, const std::string& description);

} // namespace alter::backend
