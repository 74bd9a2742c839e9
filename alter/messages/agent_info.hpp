// A managed agent as me() and the agents namespace return it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "alter/messages/field.hpp"
#include "alter/messages/retry_info.hpp"

namespace alter {

/// Provider id -> the OAuth scopes an agent may use with it.
using provider_scopes = std::map<std::string, std::vector<std::string>>;

struct agent_info {
  std::string id;
  std::string app_id;
  std::string name;
  std::string display_name;
  /// "agent" or "service".
  std::string type = "agent";
  /// "active", "inactive" or "revoked".
  std::string status = "active";
  std::string created_at;
  field_list metadata;
  provider_scopes scopes;
  field_list policy;
  /// Not on the wire: what the retry supervisor did for this call.
  retry_info retries;
};

bool operator==(const agent_info& a, const agent_info& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_info& x) {
  return f(caf::meta::type_name("agent_info"), x.id, x.app_id, x.name, x.display_name,
           x.type, x.status, x.created_at, x.metadata, x.scopes, x.policy, x.retries);
}

} // namespace alter
