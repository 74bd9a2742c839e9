// API key metadata and key lifecycle: per-agent keys (agents namespace) and the
// keys namespace (derive, rotate, revoke). Plaintext keys appear only in
// minted_key, once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alter/messages/inspect_fields.hpp"

namespace alter {

/// AgentKey / APIKeyInfo.
struct key_info {
  std::string key_id;
  std::string key_prefix;
  std::string name;
  /// runtime, agent, derived or legacy.
  std::string key_type;
  std::vector<std::string> scopes;
  /// active, deprecated or revoked.
  std::string status;
  std::string created_at;
  std::string deprecated_at;
  std::string revoked_at;
  std::string expires_at;
  std::string last_used_at;
};

struct minted_key {
  key_info key;
  std::string api_key;
};

struct key_list {
  std::vector<key_info> items;
};

/// keys.derive: a short-lived key with a subset of the calling key's scopes.
struct key_derivation {
  std::vector<std::string> scopes;
  /// Seconds, 60 to 30 days.
  int64_t expires_in = 3600;
};

/// keys.rotate: a new key with the old one's scopes; the old one keeps working
/// for the grace period.
struct key_rotation {
  std::string key_id;
  /// Seconds, 0 to 30 days.
  int64_t grace_period_seconds = 3600;
};

ALTER_INSPECT(key_info, x.key_id, x.key_prefix, x.name, x.key_type, x.scopes, x.status,
              x.created_at, x.deprecated_at, x.revoked_at, x.expires_at, x.last_used_at)
ALTER_INSPECT(minted_key, x.key, x.api_key)
ALTER_INSPECT(key_list, x.items)
ALTER_INSPECT(key_derivation, x.scopes, x.expires_in)
ALTER_INSPECT(key_rotation, x.key_id, x.grace_period_seconds)

} // namespace alter
