#include "alter/backend/store/open_store.hpp"

#include "alter/backend/store/postgres/postgres_store.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"

namespace alter::backend {

namespace {

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

} // namespace

bool is_postgres_database(const std::string& database) {
  if (starts_with(database, "postgresql://") || starts_with(database, "postgres://"))
    return true;
  // libpq keyword form: "dbname=alter host=/run/postgresql". A SQLite path
  // with '=' and a space in it must be written as a path (./a b=c).
  for (const char* keyword : {"dbname=", "host=", "service="})
    if (starts_with(database, keyword)
        || database.find(std::string{" "} + keyword) != std::string::npos)
      return database.find('/') != 0 && !starts_with(database, ".");
  return false;
}

std::string describe_database(const std::string& database) {
  return is_postgres_database(database) ? describe_postgres_database(database)
                                        : database;
}

std::unique_ptr<store> open_store(const std::string& database,
                                  const master_key_options& key,
                                  const store_tuning& tuning) {
  if (is_postgres_database(database))
    return std::make_unique<postgres_store>(database, key);
  sqlite_store_options options;
  options.max_batch = tuning.max_commit_batch;
  return std::make_unique<sqlite_store>(database, key, std::move(options));
}

} // namespace alter::backend
