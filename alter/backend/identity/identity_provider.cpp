#include "alter/backend/identity/identity_provider.hpp"

#include <variant>

namespace alter::backend {

namespace {

constexpr const char* key_setting = "idp_signing_key_pem";

jwt::signing_key load_or_make(store& db) {
  if (auto pem = db.settings().find(key_setting))
    if (auto key = jwt::signing_key::from_pem(*pem))
      return std::move(*key);
  auto key = jwt::signing_key::generate();
  db.settings().put(key_setting, key.to_pem());
  return key;
}

} // namespace

identity_provider::identity_provider(store& db, std::function<int64_t()> clock)
    : db_(db), clock_(std::move(clock)), key_(load_or_make(db)) {
}

std::string
identity_provider::issue(const std::string& app_id, const std::string& subject,
                         int64_t ttl_seconds,
                         std::vector<std::pair<std::string, std::string>> extra) const {
  jwt::claims c;
  c.issuer = issuer;
  c.subject = subject;
  c.audience = app_id;
  c.issued_at = clock_();
  c.expires_at = c.issued_at + ttl_seconds;
  c.extra = std::move(extra);
  return jwt::sign(key_, c);
}

std::optional<jwt::claims> identity_provider::verify(const std::string& app_id,
                                                     std::string_view token) const {
  auto result = jwt::verify(key_, token, clock_(), issuer, app_id);
  if (auto* c = std::get_if<jwt::claims>(&result))
    return std::move(*c);
  return std::nullopt;
}

std::optional<app_user_record>
identity_provider::user_of(const std::string& app_id, std::string_view token) const {
  auto claims = verify(app_id, token);
  if (!claims)
    return std::nullopt;
  return db_.accounts().user_for_subject(app_id, claims->subject);
}

std::string identity_provider::jwks_json() const {
  return key_.jwks_json();
}

} // namespace alter::backend
