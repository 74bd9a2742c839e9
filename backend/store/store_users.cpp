// The store's users of the local identity provider.
#include "backend/store/store.hpp"

namespace alter::backend {

void store::put_local_idp_user(std::string_view name, std::string_view password_hash,
                               std::string_view created_at) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO local_idp_users(name, password_hash, created_at) "
                   "VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET "
                   "password_hash = excluded.password_hash");
  s.bind(1, name).bind(2, password_hash).bind(3, created_at);
  s.execute();
}

std::optional<std::string> store::local_idp_password_hash(std::string_view name) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT password_hash FROM local_idp_users WHERE name = ?1");
  s.bind(1, name);
  return s.first([](const statement& row) { return row.text(0); });
}

bool store::delete_local_idp_user(std::string_view name) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("DELETE FROM local_idp_users WHERE name = ?1");
  s.bind(1, name);
  s.execute();
  return db_.changes() == 1;
}

std::vector<std::string> store::list_local_idp_users() {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT name FROM local_idp_users ORDER BY name");
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.text(0));
  s.reset();
  return out;
}

} // namespace alter::backend
