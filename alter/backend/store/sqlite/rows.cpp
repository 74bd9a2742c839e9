#include "alter/backend/store/sqlite/rows.hpp"

#include <boost/json.hpp>

namespace alter::backend {

std::string to_json_array(const std::vector<std::string>& xs) {
  boost::json::array arr;
  for (const auto& x : xs)
    arr.emplace_back(x);
  return boost::json::serialize(arr);
}

std::vector<std::string> from_json_array(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array())
    return out;
  for (const auto& x : v.get_array())
    if (x.is_string())
      out.emplace_back(x.get_string());
  return out;
}

const char* const key_columns
    = "id, key_hash, key_prefix, key_type, app_id, agent_id, name, scopes_json, "
      "status, created_at, expires_at, deprecated_at, revoked_at, parent_key_id";

const char* const agent_columns = "id, app_id, name, display_name, type, status, "
                                  "metadata_json, created_at, scopes_json, policy_json";

key_record read_key(const statement& s) {
  key_record k;
  k.id = s.text(0);
  k.key_hash = s.text(1);
  k.key_prefix = s.text(2);
  // A key of no known type is refused: it reads revoked.
  bool known = from_string(s.text(3), k.key_type);
  k.app_id = s.text(4);
  k.agent_id = s.text(5);
  k.name = s.text(6);
  k.scopes = from_json_array(s.text(7));
  k.status = known ? stored_name(s.text(8), key_status::revoked) : key_status::revoked;
  k.created_at = s.text(9);
  k.expires_at = s.text(10);
  k.deprecated_at = s.text(11);
  k.revoked_at = s.text(12);
  k.parent_key_id = s.text(13);
  return k;
}

agent_record read_agent(const statement& s) {
  agent_record a;
  a.id = s.text(0);
  a.app_id = s.text(1);
  a.name = s.text(2);
  a.display_name = s.text(3);
  a.type = stored_name(s.text(4), agent_type::agent);
  a.status = stored_name(s.text(5), agent_status::revoked);
  a.metadata_json = s.text(6);
  a.created_at = s.text(7);
  a.scopes_json = s.text(8);
  a.policy_json = s.text(9);
  return a;
}

const char* const grant_columns
    = "id, app_id, grant_kind, managed_secret_id, provider_id, principal_type, "
      "agent_id, label, account_identifier, scopes_json, status, expires_at, "
      "created_at, last_used_at, principal_id, revoked_at";

grant_record read_grant(const statement& s) {
  grant_record g;
  g.id = s.text(0);
  g.app_id = s.text(1);
  // A grant whose kind or principal is no known name is refused: it reads revoked.
  bool known = from_string(s.text(2), g.grant_kind);
  g.managed_secret_id = s.text(3);
  g.provider_id = s.text(4);
  known = from_string(s.text(5), g.principal_type) && known;
  g.agent_id = s.text(6);
  g.label = s.text(7);
  g.account_identifier = s.text(8);
  g.scopes = from_json_array(s.text(9));
  g.status
      = known ? stored_name(s.text(10), grant_status::revoked) : grant_status::revoked;
  g.expires_at = s.text(11);
  g.created_at = s.text(12);
  g.last_used_at = s.text(13);
  g.principal_id = s.text(14);
  g.revoked_at = s.text(15);
  return g;
}

} // namespace alter::backend
