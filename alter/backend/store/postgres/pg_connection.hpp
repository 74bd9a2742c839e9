// Internal to the PostgreSQL store: one libpq connection with its prepared
// statements cached by their SQL text, parameters always bound ($1, $2, ...),
// never spliced into SQL. Blocking calls: only worker threads run them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace alter::backend {

/// A statement the database refused, or a connection that failed. Carries the
/// SQLSTATE (e.g. "23505" for a unique violation); never parameter values.
class postgres_error : public std::runtime_error {
public:
  postgres_error(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {
  }
  const std::string& sqlstate() const noexcept {
    return sqlstate_;
  }

private:
  std::string sqlstate_;
};

/// A bound parameter: its type fixes the statement's parameter type when the
/// statement is prepared.
struct pg_param {
  enum class kind { text, integer, bytes };
  kind type = kind::text;
  bool null = true;
  std::string value;
};

/// The rows (or the row count) of one executed statement.
class pg_rows {
public:
  explicit pg_rows(::pg_result* r) noexcept : r_(r) {
  }
  pg_rows(pg_rows&& other) noexcept : r_(other.r_) {
    other.r_ = nullptr;
  }
  pg_rows(const pg_rows&) = delete;
  pg_rows& operator=(const pg_rows&) = delete;
  ~pg_rows();

  int size() const noexcept;
  /// Rows an INSERT, UPDATE or DELETE changed.
  int64_t affected() const noexcept;

  std::string text(int row, int column) const;
  /// A BYTEA cell's bytes.
  std::string bytes(int row, int column) const;
  int64_t integer(int row, int column) const;
  bool is_null(int row, int column) const noexcept;

private:
  ::pg_result* r_;
};

/// One row of a pg_rows, read like a SQLite statement's current row.
class pg_row {
public:
  pg_row(const pg_rows& rows, int row) noexcept : rows_(rows), row_(row) {
  }
  std::string text(int column) const {
    return rows_.text(row_, column);
  }
  std::string bytes(int column) const {
    return rows_.bytes(row_, column);
  }
  int64_t integer(int column) const {
    return rows_.integer(row_, column);
  }
  bool is_null(int column) const noexcept {
    return rows_.is_null(row_, column);
  }

private:
  const pg_rows& rows_;
  int row_;
};

class pg_connection {
public:
  /// Connects (blocking). Throws store_unavailable, whose message names no
  /// password.
  pg_connection(const std::string& conninfo, const std::string& description);
  ~pg_connection();
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  /// Runs SQL without parameters (BEGIN, COMMIT, schema). Throws postgres_error.
  void exec(const char* sql);
  /// Runs `sql`, prepared on its first use on this connection with these
  /// parameter types (a NULL bound as text and later as BYTEA is a second
  /// statement, never bytes sent under the wrong type). Throws postgres_error.
  pg_rows execute(std::string_view sql, const std::vector<pg_param>& params);

  /// The connection failed (a server restart): it must not be used again.
  bool broken() const noexcept;
  /// Reads what the server sent while the connection sat idle, so that a
  /// connection the server closed meanwhile is seen broken before use.
  bool still_usable() noexcept;

private:
  [[noreturn]] void fail(::pg_result* r, const char* what);

  ::pg_conn* conn_ = nullptr;
  std::string description_;
  struct prepared {
    std::vector<unsigned int> types; // Oids
    std::string name;
  };
  std::map<std::string, std::vector<prepared>, std::less<>> statements_;
  std::size_t prepared_count_ = 0;
};

/// A statement to run on a connection, with its parameters bound by 1-based
/// position.
class pg_query {
public:
  pg_query(pg_connection& c, std::string_view sql) : c_(c), sql_(sql) {
  }
  pg_query& bind(int index, std::string_view text);
  pg_query& bind(int index, int64_t value);
  pg_query& bind_null(int index);
  /// Binds bytes as BYTEA.
  pg_query& bind_blob(int index, std::string_view bytes);
  /// Binds the text, or NULL when it is empty.
  pg_query& bind_or_null(int index, std::string_view text);

  pg_rows run() {
    return c_.execute(sql_, params_);
  }

  /// The first row read by `read`, or nullopt.
  template <class Read>
  auto first(Read read)
      -> std::optional<decltype(read(std::declval<const pg_row&>()))> {
    auto rows = run();
    if (rows.size() == 0)
      return std::nullopt;
    return read(pg_row{rows, 0});
  }

  /// Every row read by `read`.
  template <class Read>
  auto all(Read read) -> std::vector<decltype(read(std::declval<const pg_row&>()))> {
    auto rows = run();
    std::vector<decltype(read(std::declval<const pg_row&>()))> out;
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i)
      out.push_back(read(pg_row{rows, i}));
    return out;
  }

private:
  pg_param& at(int index);

  pg_connection& c_;
  std::string_view sql_;
  std::vector<pg_param> params_;
};

} // namespace alter::backend
