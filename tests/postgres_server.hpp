// A PostgreSQL server of the test process's own: initdb and pg_ctl from
// /usr/lib/postgresql/15/bin into a temporary directory, listening only on a
// Unix socket there (no TCP port), fsync off (a crash of the test machine may
// lose its data: it is thrown away anyway). Started once per test process on
// first use and stopped when the process exits; as root (CI) it runs as the
// `postgres` user, the server refuses root.
#pragma once

#include <string>

namespace alter::testing {

/// A connection URL of a new, empty database on the test server.
std::string fresh_postgres_database();

/// The connection URL of the server's maintenance database "postgres".
std::string postgres_admin_url();

/// Runs SQL on a database (`url`), for tests that shape a database by hand;
/// the first column of the first row, or "" when there is none. Throws
/// std::runtime_error with the server's message.
std::string postgres_exec(const std::string& url, const std::string& sql);

} // namespace alter::testing
