// A small RAII layer over SQLite: one connection, prepared statements only (no
// string-built SQL anywhere in the backend).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace alter::backend {

class sqlite_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class statement;

enum class open_mode {
  /// Creates the file when missing; WAL, synchronous=FULL, foreign keys.
  read_write,
  /// An existing database, for reading only (a WAL reader).
  read_only,
};

class database {
public:
  /// Opens (or creates) the file in WAL mode; ":memory:" for a private database.
  explicit database(const std::string& path, open_mode mode = open_mode::read_write);
  ~database();

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Runs SQL without parameters (schema, pragmas). Throws sqlite_error.
  void exec(const char* sql);

  statement prepare(std::string_view sql);

  int64_t changes() const noexcept;

  /// Whether a transaction is open (SQLite ends one itself on some errors).
  bool in_transaction() const noexcept;

  sqlite3* native() noexcept {
    return db_;
  }

private:
  sqlite3* db_ = nullptr;
};

class statement {
public:
  statement(sqlite3* db, std::string_view sql);
  ~statement();
  statement(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  /// Binds by 1-based position; chainable.
  statement& bind(int index, std::string_view text);
  statement& bind(int index, int64_t value);
  statement& bind_null(int index);
  statement& bind_blob(int index, std::string_view bytes);
  /// Binds the text, or NULL when it is empty.
  statement& bind_or_null(int index, std::string_view text);

  /// Advances; true while a row is available. Throws sqlite_error on failure.
  bool step();
  /// Steps to completion (for INSERT/UPDATE/DELETE).
  void run();
  /// Resets for re-use with new bindings.
  void reset();
  /// run() then reset(), also when run() throws: a cached statement stays usable.
  void execute();

  /// The first row read by `read`, or nullopt; leaves the statement reset.
  template <class Read>
  auto first(Read read) -> std::optional<decltype(read(*this))> {
    std::optional<decltype(read(*this))> out;
    if (step())
      out = read(*this);
    reset();
    return out;
  }

  std::string text(int column) const;
  /// The cell's bytes as stored (a BLOB, or TEXT without conversion).
  std::string blob(int column) const;
  int64_t integer(int column) const;
  bool is_null(int column) const;
  bool is_text(int column) const;

private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

} // namespace alter::backend
