// The SQLite store's settings.
#include "alter/backend/store/sqlite/repositories.hpp"
#include "alter/backend/store/sqlite/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

std::optional<std::string> sqlite_settings::find(std::string_view name) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached("SELECT value FROM backend_settings WHERE name = ?1");
  s.bind(1, name);
  auto stored = s.first([](const statement& st) { return st.blob(0); });
  if (!stored)
    return std::nullopt;
  return lease.open(sealed_column::setting_value, {name}, *stored);
}

void sqlite_settings::put(std::string_view name, std::string_view value) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "INSERT OR REPLACE INTO backend_settings(name, value) VALUES(?1, ?2)");
  s.bind(1, name).bind_blob(2, lease.seal(sealed_column::setting_value, {name}, value));
  s.execute();
  lease.commit();
}

} // namespace alter::backend
