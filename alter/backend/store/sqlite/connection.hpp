// Internal to the SQLite store: one database handle with its statements cached
// by their SQL text. Not thread-safe: its owner (the group commit writer, a
// read connection of the pool) gives it to one thread at a time.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "alter/backend/store/sqlite/database.hpp"

namespace alter::backend {

class sqlite_connection {
public:
  sqlite_connection(const std::string& path, open_mode mode);

  database& db() noexcept {
    return db_;
  }

  /// The prepared statement of `sql`, reset; prepared on first use.
  statement& cached(std::string_view sql);

private:
  database db_;
  // Keyed by the text itself: equal SQL shares one statement, wherever it is spelled.
  std::map<std::string, statement, std::less<>> statements_;
};

/// Runs `fn` between BEGIN IMMEDIATE and COMMIT on a connection no batch is
/// open on (opening the store); rolls back when it throws.
void run_in_transaction(database& db, const std::function<void()>& fn);

/// Ends the open transaction, if SQLite has not already.
void rollback_quietly(database& db) noexcept;

} // namespace alter::backend
