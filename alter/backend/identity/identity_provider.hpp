// The backend's local identity provider: it signs end-user JWTs (RS256) and
// verifies the ones apps present, so identity mode works offline. Its key is
// made once and kept in the store; tokens name their app as audience, so one
// app's user token is worthless to another.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "alter/auth/jwt.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

class identity_provider {
public:
  /// `clock` gives unix seconds (tests move it).
  identity_provider(store& db, std::function<int64_t()> clock);

  /// A token for `subject` of `app_id`, valid for `ttl_seconds`.
  std::string issue(const std::string& app_id, const std::string& subject,
                    int64_t ttl_seconds = 3600,
                    std::vector<std::pair<std::string, std::string>> extra = {}) const;

  /// The verified claims of `token` for `app_id`, or nullopt.
  std::optional<jwt::claims> verify(const std::string& app_id,
                                    std::string_view token) const;

  /// The app user a valid token names (created on first sight), or nullopt.
  std::optional<app_user_record> user_of(const std::string& app_id,
                                         std::string_view token) const;

  std::string jwks_json() const;

  static constexpr const char* issuer = "alter-local-idp";

private:
  store& db_;
  std::function<int64_t()> clock_;
  jwt::signing_key key_;
};

} // namespace alter::backend
