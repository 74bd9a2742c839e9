// Internal to the PostgreSQL store: the row readers that several repositories
// share. The column lists and the JSON array cells are the SQLite store's
// (sqlite/rows.hpp): both stores read each table one way.
#pragma once

#include "alter/backend/store/postgres/pg_connection.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/backend/store/sqlite/rows.hpp"

namespace alter::backend {

key_record read_pg_key(const pg_row& s);
agent_record read_pg_agent(const pg_row& s);
grant_record read_pg_grant(const pg_row& s);

} // namespace alter::backend
