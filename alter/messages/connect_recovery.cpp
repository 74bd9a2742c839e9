#include "alter/messages/connect_recovery.hpp"

namespace alter {

std::optional<connect_request> connect_request_for_error(const alter_error& e,
                                                         connect_request base) {
  // The backend's words: an id too long for one is not one.
  auto provider = e.detail("provider_id");
  if (provider.empty() || provider.size() > 128)
    return std::nullopt;
  auto grant = e.detail("grant_id");
  if (grant.size() > 128)
    grant.clear();
  base.allowed_providers = {provider};
  if ((e.code == error_code::reauth_required
       || e.code == error_code::scope_reauth_required)
      && !grant.empty()) {
    base.reauth_grant_id = std::move(grant);
  } else if (e.code == error_code::no_delegated_grant) {
    base.agent_id = e.detail("agent_id");
  }
  return base;
}

connect_request connect_request_for_secret(const managed_secret_connect_request& r) {
  connect_request req;
  req.secret_provider = r.provider_id;
  req.allowed_providers = {r.provider_id};
  req.user_token = r.user_token;
  req.agent_id = r.agent_id;
  req.grant_policy = r.grant_policy;
  req.return_url = r.return_url;
  req.metadata = r.metadata;
  return req;
}

} // namespace alter
