// Managing grants: managed-secret grants for a principal, revocation, and the
// removal of an agent's delegated access path.
#pragma once

#include <cstdint>
#include <string>

#include "alter/messages/inspect_fields.hpp"

namespace alter {

/// Whom a grant serves. user: `user_token` (an end-user JWT) names the user;
/// group: `external_group_id` (and `idp_id`); system: the app itself; agent: the
/// calling agent (an agent key can only grant itself).
struct principal {
  std::string type;
  std::string user_token;
  std::string external_group_id;
  std::string idp_id;
  std::string label;
};

/// TTLs of a grant; zero or empty: none.
struct grant_policy {
  std::string expires_at;
  int64_t max_ttl_seconds = 0;
  int64_t default_ttl_seconds = 0;
};

struct managed_secret_grant {
  /// e.g. ms_... (the managed secret's id).
  std::string managed_secret_id;
  struct principal principal;
  struct grant_policy grant_policy;
};

struct created_grant {
  std::string grant_id;
  std::string principal_type;
  std::string label;
  std::string created_at;
  std::string expires_at;
};

struct revoked_grant {
  bool success = false;
  std::string message;
  std::string grant_id;
  std::string revoked_at;
};

struct revoked_delegation {
  bool success = false;
  std::string grant_id;
  std::string agent_id;
};

ALTER_INSPECT(principal, x.type, x.user_token, x.external_group_id, x.idp_id, x.label)
ALTER_INSPECT(grant_policy, x.expires_at, x.max_ttl_seconds, x.default_ttl_seconds)
ALTER_INSPECT(managed_secret_grant, x.managed_secret_id, x.principal, x.grant_policy)
ALTER_INSPECT(created_grant, x.grant_id, x.principal_type, x.label, x.created_at,
              x.expires_at)
ALTER_INSPECT(revoked_grant, x.success, x.message, x.grant_id, x.revoked_at)
ALTER_INSPECT(revoked_delegation, x.success, x.grant_id, x.agent_id)

} // namespace alter
