#include "alter/backend/store/postgres/rows.hpp"

namespace alter::backend {

key_record read_pg_key(const pg_row& s) {
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

agent_record read_pg_agent(const pg_row& s) {
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

grant_record read_pg_grant(const pg_row& s) {
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
