// The SQLite store's users of the local identity provider.
#include "alter/backend/store/sqlite/repositories.hpp"
#include "alter/backend/store/sqlite/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

void sqlite_local_users::put(std::string_view name, std::string_view password_hash,
                             std::string_view created_at) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("INSERT INTO local_idp_users(name, password_hash, created_at) "
                         "VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET "
                         "password_hash = excluded.password_hash");
  s.bind(1, name).bind(2, password_hash).bind(3, created_at);
  s.execute();
  lease.commit();
}

std::optional<std::string> sqlite_local_users::password_hash(std::string_view name) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached("SELECT password_hash FROM local_idp_users WHERE name = ?1");
  s.bind(1, name);
  return s.first([](const statement& row) { return row.text(0); });
}

bool sqlite_local_users::remove(std::string_view name) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("DELETE FROM local_idp_users WHERE name = ?1");
  s.bind(1, name);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

std::vector<std::string> sqlite_local_users::list() {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached("SELECT name FROM local_idp_users ORDER BY name");
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.text(0));
  s.reset();
  return out;
}

} // namespace alter::backend
