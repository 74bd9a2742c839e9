#include "alter/backend/http/kept_identity.hpp"

#include <optional>

#include <boost/json.hpp>

#include "alter/backend/http/self_signed.hpp"
#include "alter/backend/store/settings_repository.hpp"

namespace json = boost::json;

namespace alter::backend {

namespace {

/// Certificate and key in one setting: one write keeps both or neither.
constexpr const char* identity_setting = "tls_identity";

std::optional<tls_identity> read_kept(settings_repository& settings) {
  std::optional<std::string> text;
  try {
    text = settings.find(identity_setting);
  } catch (const std::exception&) {
    return tls_identity{}; // kept, but it does not decrypt: changed bytes
  }
  if (!text)
    return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  const auto* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  const auto* cert = o ? o->if_contains("certificate_pem") : nullptr;
  const auto* key = o ? o->if_contains("private_key_pem") : nullptr;
  if (!cert || !key || !cert->is_string() || !key->is_string())
    return tls_identity{}; // kept, but unreadable
  return tls_identity{std::string{cert->get_string()}, std::string{key->get_string()}};
}

} // namespace

tls_identity kept_tls_identity(settings_repository& settings,
                               const std::function<void(const std::string&)>& warn) {
  auto kept = read_kept(settings);
  if (kept && is_valid_for(*kept, identity_renewal_days))
    return *kept;
  if (kept && !is_matching_identity(*kept) && warn)
    warn("the TLS certificate kept in the database does not read; a new one is made "
         "(clients need the new CA file)");
  auto fresh = make_self_signed_identity();
  settings.put(identity_setting, json::serialize(json::object{
                                     {"certificate_pem", fresh.certificate_pem},
                                     {"private_key_pem", fresh.private_key_pem}}));
  // Another instance may have kept its own meanwhile: serve what is kept.
  auto now_kept = read_kept(settings);
  return now_kept && is_matching_identity(*now_kept) ? *now_kept : fresh;
}

} // namespace alter::backend
