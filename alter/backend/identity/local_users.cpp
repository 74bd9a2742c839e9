#include "alter/backend/identity/local_users.hpp"

#include <stdexcept>

#include "alter/backend/identity/password_hash.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

bool is_account_name(std::string_view text) noexcept {
  if (text.empty() || text.size() > 128)
    return false;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '@' || c == '.' || c == '_' || c == '+' || c == '-'))
      return false;
  return true;
}

void set_local_user_password(store& db, const std::string& name,
                             std::string_view password) {
  if (!is_account_name(name))
    throw std::invalid_argument("user names are 1-128 letters, digits and @ . _ + -");
  if (password.size() < min_password_bytes || password.size() > max_password_bytes)
    throw std::invalid_argument("passwords are 8 to 1024 bytes long");
  db.local_users().put(name, hash_password(password), now_iso8601());
}

bool remove_local_user(store& db, const std::string& name) {
  return db.local_users().remove(name);
}

std::vector<std::string> list_local_users(store& db) {
  return db.local_users().list();
}

bool check_local_user(store& db, std::string_view name, std::string_view password) {
  auto stored
      = is_account_name(name) ? db.local_users().password_hash(name) : std::nullopt;
  if (!stored || password.size() > max_password_bytes) {
    verify_dummy_password(password.substr(0, max_password_bytes));
    return false;
  }
  return verify_password(password, *stored);
}

} // namespace alter::backend
