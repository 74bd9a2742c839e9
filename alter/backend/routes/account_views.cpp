#include "alter/backend/routes/account_views.hpp"

#include <boost/json.hpp>

#include "alter/messages/json_codec.hpp"

namespace alter::backend {

agent_info to_agent_info(const agent_record& a) {
  agent_info info;
  info.id = a.id;
  info.app_id = a.app_id;
  info.name = a.name;
  info.display_name = a.display_name;
  info.type = std::string{to_string(a.type)};
  info.status = std::string{to_string(a.status)};
  info.created_at = a.created_at;
  info.metadata = fields_from_json(a.metadata_json);
  info.scopes = provider_scopes_from_json(a.scopes_json);
  info.policy = fields_from_json(a.policy_json);
  return info;
}

key_info to_key_info(const key_record& k) {
  key_info info;
  info.key_id = k.id;
  info.key_prefix = k.key_prefix;
  info.name = k.name;
  info.key_type = std::string{to_string(k.key_type)};
  info.scopes = k.scopes;
  info.status = std::string{to_string(k.status)};
  info.created_at = k.created_at;
  info.deprecated_at = k.deprecated_at;
  info.revoked_at = k.revoked_at;
  info.expires_at = k.expires_at;
  return info;
}

std::string provider_scopes_json(const provider_scopes& x) {
  boost::json::object out;
  for (const auto& [provider, list] : x) {
    boost::json::array arr;
    for (const auto& s : list)
      arr.emplace_back(s);
    out[provider] = std::move(arr);
  }
  return boost::json::serialize(out);
}

provider_scopes provider_scopes_from_json(const std::string& text) {
  provider_scopes out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object())
    return out;
  for (const auto& kv : v.get_object()) {
    auto& list = out[std::string{kv.key()}];
    if (kv.value().is_array())
      for (const auto& s : kv.value().get_array())
        if (s.is_string())
          list.emplace_back(s.get_string());
  }
  return out;
}

} // namespace alter::backend
