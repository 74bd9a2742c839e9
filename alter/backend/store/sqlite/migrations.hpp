// Internal to the SQLite store: its schema as numbered migrations. The version
// is PRAGMA user_version; each migration runs in a transaction of its own that
// also records its number, so a crash leaves the database at one version, and
// two processes opening one file apply each migration once.
#pragma once

#include <string>

#include "alter/backend/store/sqlite/database.hpp"

namespace alter::backend {

/// The schema version this code writes: the number of the last migration.
int current_schema_version();

/// The database's recorded schema version (0: new, or made before versions
/// were recorded).
int schema_version(database& db);

/// Applies the migrations the database lacks. A database without a version is
/// either new or has the layout the backend had before versions were recorded;
/// the first migrations bring both to the same tables. Throws
/// schema_version_error (naming `path`) for a database of a newer version.
void migrate(database& db, const std::string& path);

} // namespace alter::backend
