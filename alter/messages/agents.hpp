// The models of the agents namespace (App only): creating, listing, updating and
// deleting managed agents. AgentInfo itself is in agent_info.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alter/messages/agent_info.hpp"
#include "alter/messages/inspect_fields.hpp"

namespace alter {

struct agent_create {
  /// Lowercase letters, digits, '-' and '_', 1-64, starting with a letter or
  /// digit; unique among the app's live agents; immutable.
  std::string name;
  std::string display_name;
  /// "agent" or "service".
  std::string type = "agent";
  /// Per-provider OAuth scope allowlist (not Alter scopes).
  provider_scopes scopes;
  /// At most 8 KiB as JSON.
  field_list metadata;
  /// Policy attributes, kept with the agent (at most 8 KiB as JSON).
  field_list policy;
};

/// AgentInfo plus the plaintext key, shown once; empty on an idempotent replay.
struct agent_created {
  agent_info agent;
  std::string api_key;
};

struct agent_query {
  bool include_revoked = false;
  int64_t limit = 100;
  int64_t offset = 0;
};

struct agent_list {
  std::vector<agent_info> agents;
  int64_t total = 0;
  int64_t limit = 100;
  int64_t offset = 0;
  bool has_more = false;
};

/// get_by_name: `found` is false when no live agent has the name.
struct agent_lookup {
  bool found = false;
  agent_info agent;
};

/// What update changes; empty members are left as they are. `scopes` must be the
/// full desired allowlist: dropping a provider or a scope is refused.
struct agent_update {
  std::string display_name;
  field_list metadata;
  provider_scopes scopes;
  field_list policy;
  /// "active" or "inactive" (pause); empty: unchanged.
  std::string status;
};

ALTER_INSPECT(agent_create, x.name, x.display_name, x.type, x.scopes, x.metadata,
              x.policy)
ALTER_INSPECT(agent_created, x.agent, x.api_key)
ALTER_INSPECT(agent_query, x.include_revoked, x.limit, x.offset)
ALTER_INSPECT(agent_list, x.agents, x.total, x.limit, x.offset, x.has_more)
ALTER_INSPECT(agent_lookup, x.found, x.agent)
ALTER_INSPECT(agent_update, x.display_name, x.metadata, x.scopes, x.policy, x.status)

} // namespace alter
