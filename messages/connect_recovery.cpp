#include "messages/connect_recovery.hpp"

#include <boost/json.hpp>

namespace alter {

namespace {

/// A string member of the details object, or "" (details are the backend's
/// words: anything odd means the member is not there).
std::string detail(const boost::json::object& details, const char* key) {
  const auto* v = details.if_contains(key);
  if (v == nullptr || !v->is_string() || v->get_string().size() > 128)
    return {};
  return std::string{v->get_string()};
}

} // namespace

std::optional<connect_request> connect_request_for_error(const alter_error& e,
                                                         connect_request base) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(e.details_json, ec);
  if (ec || !parsed.is_object())
    return std::nullopt;
  const auto& details = parsed.get_object();
  auto provider = detail(details, "provider_id");
  if (provider.empty())
    return std::nullopt;
  auto grant = detail(details, "grant_id");
  base.allowed_providers = {provider};
  if ((e.code == error_code::reauth_required
       || e.code == error_code::scope_reauth_required)
      && !grant.empty()) {
    base.reauth_grant_id = std::move(grant);
  } else if (e.code == error_code::no_delegated_grant) {
    base.agent_id = detail(details, "agent_id");
  }
  return base;
}

} // namespace alter
