#include "alter/backend/store/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>

#include "alter/backend/store/store_unavailable.hpp"
#include "alter/messages/hex_digit.hpp"

namespace alter::backend {

namespace {

// Parameter types fixed at PREPARE (pg_type.dat): text, int8, bytea.
Oid oid_of(pg_param::kind k) {
  switch (k) {
    case pg_param::kind::integer:
      return 20;
    case pg_param::kind::bytes:
      return 17;
    case pg_param::kind::text:
      break;
  }
  return 25;
}

std::string sqlstate_of(const PGresult* r) {
  const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}

} // namespace

pg_rows::~pg_rows() {
  if (r_)
    PQclear(r_);
}

int pg_rows::size() const noexcept {
  return PQntuples(r_);
}

int64_t pg_rows::affected() const noexcept {
  const char* n = PQcmdTuples(r_);
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

std::string pg_rows::text(int row, int column) const {
  if (PQgetisnull(r_, row, column))
    return {};
  return {PQgetvalue(r_, row, column),
          static_cast<std::size_t>(PQgetlength(r_, row, column))};
}

std::string pg_rows::bytes(int row, int column) const {
  if (PQgetisnull(r_, row, column))
    return {};
  // Text results carry BYTEA in hex form: \x followed by two digits a byte.
  const char* v = PQgetvalue(r_, row, column);
  auto n = static_cast<std::size_t>(PQgetlength(r_, row, column));
  if (n < 2 || v[0] != '\\' || v[1] != 'x' || n % 2 != 0)
    throw postgres_error("a BYTEA cell is not in hex form (bytea_output)", "");
  std::string out;
  out.reserve((n - 2) / 2);
  for (std::size_t i = 2; i < n; i += 2) {
    int hi = hex_digit_value(v[i]);
    int lo = hex_digit_value(v[i + 1]);
    if (hi < 0 || lo < 0)
      throw postgres_error("a BYTEA cell is not in hex form", "");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

int64_t pg_rows::integer(int row, int column) const {
  if (PQgetisnull(r_, row, column))
    return 0;
  return std::strtoll(PQgetvalue(r_, row, column), nullptr, 10);
}

bool pg_rows::is_null(int row, int column) const noexcept {
  return PQgetisnull(r_, row, column) != 0;
}

pg_connection::pg_connection(const std::string& conninfo,
                             const std::string& description)
    : description_(description) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    // libpq's message names host and port, never the password.
    std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
    if (conn_)
      PQfinish(conn_);
    conn_ = nullptr;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
      why.pop_back();
    throw store_unavailable("cannot connect to the database " + description_ + ": "
                            + why);
  }
  // Timestamps are ISO text in the rows; nothing depends on the session's zone,
  // but BYTEA must read back in hex and strings must be standard.
  exec("SET bytea_output = 'hex'; SET standard_conforming_strings = on; "
       "SET client_min_messages = warning");
}

pg_connection::~pg_connection() {
  if (conn_)
    PQfinish(conn_);
}

void pg_connection::fail(PGresult* r, const char* what) {
  std::string message = std::string{what} + " on " + description_ + ": ";
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  // The primary message only: DETAIL can quote a row's values.
  message += primary ? primary : PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
    message.pop_back();
  auto state = sqlstate_of(r);
  if (r)
    PQclear(r);
  throw postgres_error(message, state);
}

void pg_connection::exec(const char* sql) {
  PGresult* r = PQexec(conn_, sql);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail(r, "a statement failed");
  PQclear(r);
}

pg_rows pg_connection::execute(std::string_view sql,
                               const std::vector<pg_param>& params) {
  auto same_types = [&params](const prepared& p) {
    if (p.types.size() != params.size())
      return false;
    for (std::size_t k = 0; k < params.size(); ++k)
      if (p.types[k] != oid_of(params[k].type))
        return false;
    return true;
  };
  auto i = statements_.find(sql);
  if (i == statements_.end())
    i = statements_.emplace(std::string{sql}, std::vector<prepared>{}).first;
  auto v = std::find_if(i->second.begin(), i->second.end(), same_types);
  if (v == i->second.end()) {
    prepared p;
    p.name = "s" + std::to_string(++prepared_count_);
    p.types.reserve(params.size());
    for (const auto& param : params)
      p.types.push_back(oid_of(param.type));
    std::vector<Oid> types{p.types.begin(), p.types.end()};
    PGresult* r = PQprepare(conn_, p.name.c_str(), i->first.c_str(),
                            static_cast<int>(types.size()), types.data());
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
      fail(r, "a statement could not be prepared");
    PQclear(r);
    i->second.push_back(std::move(p));
    v = std::prev(i->second.end());
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p.null ? nullptr : p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    // Text and BYTEA go in binary form: their bytes with their length, so a
    // NUL byte is refused by the server (text) or kept (BYTEA), never cut off
    // as a C string would be. Integers go as decimal text.
    formats.push_back(p.type == pg_param::kind::integer ? 0 : 1);
  }
  PGresult* r = PQexecPrepared(conn_, v->name.c_str(), static_cast<int>(values.size()),
                               values.data(), lengths.data(), formats.data(), 0);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail(r, "a statement failed");
  return pg_rows{r};
}

bool pg_connection::broken() const noexcept {
  return PQstatus(conn_) != CONNECTION_OK;
}

bool pg_connection::still_usable() noexcept {
  // A server that ends the session (a restart, pg_terminate_backend) sends a
  // FATAL message and closes: read until nothing more is waiting, so that the
  // close itself is seen. libpq's socket is non-blocking: nothing here waits.
  for (int reads = 0; reads < 4; ++reads) {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (p.fd < 0 || PQstatus(conn_) != CONNECTION_OK)
      return false;
    if (::poll(&p, 1, 0) <= 0)
      break;
    if (PQconsumeInput(conn_) == 0)
      return false;
  }
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

pg_param& pg_query::at(int index) {
  if (index < 1)
    throw postgres_error("parameter positions start at 1", "");
  if (params_.size() < static_cast<std::size_t>(index))
    params_.resize(static_cast<std::size_t>(index));
  return params_[static_cast<std::size_t>(index) - 1];
}

pg_query& pg_query::bind(int index, std::string_view text) {
  auto& p = at(index);
  p.type = pg_param::kind::text;
  p.null = false;
  p.value.assign(text.data(), text.size());
  return *this;
}

pg_query& pg_query::bind(int index, int64_t value) {
  auto& p = at(index);
  p.type = pg_param::kind::integer;
  p.null = false;
  p.value = std::to_string(value);
  return *this;
}

pg_query& pg_query::bind_null(int index) {
  auto& p = at(index);
  p.type = pg_param::kind::text;
  p.null = true;
  p.value.clear();
  return *this;
}

pg_query& pg_query::bind_blob(int index, std::string_view bytes) {
  auto& p = at(index);
  p.type = pg_param::kind::bytes;
  p.null = false;
  p.value.assign(bytes.data(), bytes.size());
  return *this;
}

pg_query& pg_query::bind_or_null(int index, std::string_view text) {
  if (text.empty())
    return bind_null(index);
  return bind(index, text);
}

} // namespace alter::backend
