// The PostgreSQL store's users of the local identity provider.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

void pg_local_users::put(std::string_view name, std::string_view password_hash,
                         std::string_view created_at) {
  pg_lease lease{scope_};
  auto s = lease.query("INSERT INTO local_idp_users(name, password_hash, created_at) "
                       "VALUES($1, $2, $3) ON CONFLICT(name) DO UPDATE SET "
                       "password_hash = excluded.password_hash");
  s.bind(1, name).bind(2, password_hash).bind(3, created_at);
  s.run();
}

std::optional<std::string> pg_local_users::password_hash(std::string_view name) {
  pg_lease lease{scope_};
  auto s = lease.query("SELECT password_hash FROM local_idp_users WHERE name = $1");
  s.bind(1, name);
  return s.first([](const pg_row& row) { return row.text(0); });
}

bool pg_local_users::remove(std::string_view name) {
  pg_lease lease{scope_};
  auto s = lease.query("DELETE FROM local_idp_users WHERE name = $1");
  s.bind(1, name);
  return s.run().affected() == 1;
}

std::vector<std::string> pg_local_users::list() {
  pg_lease lease{scope_};
  auto s = lease.query("SELECT name FROM local_idp_users ORDER BY name");
  return s.all([](const pg_row& row) { return row.text(0); });
}

} // namespace alter::backend
