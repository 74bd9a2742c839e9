#include "alter/backend/store/sqlite/database.hpp"

#include <sqlite3.h>

namespace alter::backend {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw sqlite_error(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

} // namespace

database::database(const std::string& path, open_mode mode) {
  int flags = mode == open_mode::read_only ? SQLITE_OPEN_READONLY
                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr)
      != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw sqlite_error("cannot open database " + path + ": " + why);
  }
  // Other processes on the same file (alter-local's commands) wait, not fail.
  sqlite3_busy_timeout(db_, 5000);
  if (mode == open_mode::read_only)
    return; // the writer made the file WAL; a reader only reads
  exec("PRAGMA journal_mode=WAL");
  // FULL: a row the backend reported written survives a crash of the process or
  // the machine (the audit promise).
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
}

database::~database() {
  sqlite3_close_v2(db_);
}

void database::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "unknown error";
    sqlite3_free(message);
    throw sqlite_error(std::string{"SQL failed: "} + why);
  }
}

statement database::prepare(std::string_view sql) {
  return statement{db_, sql};
}

int64_t database::changes() const noexcept {
  return sqlite3_changes(db_);
}

bool database::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

statement::statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr)
      != SQLITE_OK)
    fail(db, "cannot prepare statement");
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

statement::statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

statement& statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT)
      != SQLITE_OK)
    fail(db_, "cannot bind parameter");
  return *this;
}

statement& statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
    fail(db_, "cannot bind parameter");
  return *this;
}

statement& statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK)
    fail(db_, "cannot bind parameter");
  return *this;
}

statement& statement::bind_blob(int index, std::string_view bytes) {
  if (sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                        SQLITE_TRANSIENT)
      != SQLITE_OK)
    fail(db_, "cannot bind parameter");
  return *this;
}

statement& statement::bind_or_null(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

bool statement::step() {
  switch (sqlite3_step(stmt_)) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      fail(db_, "statement failed");
  }
}

void statement::run() {
  while (step()) {
  }
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  auto n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
           : std::string{};
}

std::string statement::blob(int column) const {
  const auto* p = sqlite3_column_blob(stmt_, column);
  auto n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n))
           : std::string{};
}

int64_t statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

bool statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool statement::is_text(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_TEXT;
}

void statement::execute() {
  try {
    run();
  } catch (...) {
    reset();
    throw;
  }
  reset();
}

} // namespace alter::backend
