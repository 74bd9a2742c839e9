// The local identity provider's users: a name and the scrypt hash of its
// password (backend/identity/password_hash.hpp), never the password.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alter::backend {

class local_users_repository {
public:
  virtual ~local_users_repository() = default;

  /// Adds `name`, or replaces its password hash.
  virtual void put(std::string_view name, std::string_view password_hash,
                   std::string_view created_at)
      = 0;
  virtual std::optional<std::string> password_hash(std::string_view name) = 0;
  virtual bool remove(std::string_view name) = 0;
  virtual std::vector<std::string> list() = 0;
};

} // namespace alter::backend
