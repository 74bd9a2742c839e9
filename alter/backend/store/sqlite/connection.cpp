#include "alter/backend/store/sqlite/connection.hpp"

namespace alter::backend {

sqlite_connection::sqlite_connection(const std::string& path, open_mode mode)
    : db_(path, mode) {
}

statement& sqlite_connection::cached(std::string_view sql) {
  auto i = statements_.find(sql);
  if (i == statements_.end())
    i = statements_.emplace(std::string{sql}, db_.prepare(sql)).first;
  // A statement that threw mid-step last time must not carry stale state.
  i->second.reset();
  return i->second;
}

void rollback_quietly(database& db) noexcept {
  try {
    if (db.in_transaction())
      db.exec("ROLLBACK");
  } catch (const sqlite_error&) {
    // SQLite already rolled back (an I/O error or a full disk does).
  }
}

void run_in_transaction(database& db, const std::function<void()>& fn) {
  db.exec("BEGIN IMMEDIATE");
  try {
    fn();
    db.exec("COMMIT");
  } catch (...) {
    rollback_quietly(db);
    throw;
  }
}

} // namespace alter::backend
