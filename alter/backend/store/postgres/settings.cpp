// The PostgreSQL store's settings.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

std::optional<std::string> pg_settings::find(std::string_view name) {
  pg_lease lease{scope_};
  auto s = lease.query("SELECT value FROM backend_settings WHERE name = $1");
  s.bind(1, name);
  auto stored = s.first([](const pg_row& st) { return st.bytes(0); });
  if (!stored)
    return std::nullopt;
  return lease.open(sealed_column::setting_value, {name}, *stored);
}

void pg_settings::put(std::string_view name, std::string_view value) {
  pg_lease lease{scope_};
  auto s = lease.query("INSERT INTO backend_settings(name, value) VALUES($1, $2) "
                       "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  s.bind(1, name).bind_blob(2, lease.seal(sealed_column::setting_value, {name}, value));
  s.run();
}

} // namespace alter::backend
