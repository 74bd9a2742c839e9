// Grants as list_grants() returns them: OAuth grants and managed-secret grants in
// one merged, offset-paginated view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alter/messages/field.hpp"
#include "alter/messages/retry_info.hpp"

namespace alter {

/// One grant; `grant_kind` ("oauth" or "managed_secret") says which fields apply.
struct grant_item {
  std::string grant_kind;
  std::string grant_id;
  std::string provider_id;
  std::vector<std::string> scopes;
  std::string status;
  std::string principal_type;
  std::string created_at;
  std::string last_used_at;
  std::string expires_at;
  std::string label;
  // oauth
  std::string account_identifier;
  std::string account_display_name;
  bool scope_mismatch = false;
  std::vector<std::string> delegated_agent_ids;
  // managed_secret
  std::string managed_secret_id;
  std::string managed_secret_slug;
  std::string managed_secret_name;
  std::string agent_id;
};

struct grant_list {
  std::vector<grant_item> grants;
  int64_t total = 0;
  int64_t limit = 100;
  int64_t offset = 0;
  bool has_more = false;
  /// Not on the wire: what the retry supervisor did for this call.
  retry_info retries;
};

/// The parameters of list_grants().
struct grant_query {
  /// Only grants of this provider; empty for all.
  std::string provider_id;
  int64_t limit = 100;
  int64_t offset = 0;
};

bool operator==(const grant_item& a, const grant_item& b) noexcept;
bool operator==(const grant_list& a, const grant_list& b) noexcept;
bool operator==(const grant_query& a, const grant_query& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grant_item& x) {
  return f(caf::meta::type_name("grant_item"), x.grant_kind, x.grant_id, x.provider_id,
           x.scopes, x.status, x.principal_type, x.created_at, x.last_used_at,
           x.expires_at, x.label, x.account_identifier, x.account_display_name,
           x.scope_mismatch, x.delegated_agent_ids, x.managed_secret_id,
           x.managed_secret_slug, x.managed_secret_name, x.agent_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grant_list& x) {
  return f(caf::meta::type_name("grant_list"), x.grants, x.total, x.limit, x.offset,
           x.has_more, x.retries);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grant_query& x) {
  return f(caf::meta::type_name("grant_query"), x.provider_id, x.limit, x.offset);
}

} // namespace alter
