// The one table of Alter scopes: every scope a route requires, the catalog
// GET /v1/scopes answers and the scopes bootstrapped keys hold come from it.
// CRUD families (resource:read|write|admin) and action scopes (exact names).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace alter {

enum class scope_kind {
  /// `name` is a resource; the scopes are name:read < name:write < name:admin.
  crud,
  /// `name` is the whole scope; no wildcard or CRUD verb covers it.
  action,
};

/// What a bootstrapped key of one holder gets of a family by default.
enum class default_grant { none, read, write, admin, held };

/// Who holds a key: the app itself, or one of its agents.
enum class key_holder { app, agent };

struct scope_family {
  std::string_view name;
  scope_kind kind;
  std::string_view description;
  /// Of a crud family: the widest verb the default key holds; of an action
  /// scope: held or none.
  default_grant app_key;
  default_grant agent_key;
};

/// Every family, in the catalog's order.
const std::vector<scope_family>& scope_table();

/// True when `text` names a scope of the table without an instance: a CRUD
/// family with read, write or admin, or an action scope.
bool is_catalogued_scope(std::string_view text);

/// The scopes a bootstrapped key of `holder` holds (bootstrap, agent keys).
std::vector<std::string> default_scopes(key_holder holder);

/// The names routes require, spelled once; a unit test checks each against the
/// table, and the router refuses a route whose scope the table lacks.
namespace scopes {
constexpr std::string_view tokens_retrieve = "tokens:retrieve";
constexpr std::string_view proxy_execute = "proxy:execute";
constexpr std::string_view connect_initiate = "connect:initiate";
constexpr std::string_view keys_derive = "keys:derive";
constexpr std::string_view audit_emit = "audit:emit";
constexpr std::string_view grants_read = "grants:read";
constexpr std::string_view grants_write = "grants:write";
constexpr std::string_view agents_read = "agents:read";
constexpr std::string_view agents_write = "agents:write";
constexpr std::string_view agents_admin = "agents:admin";
constexpr std::string_view keys_admin = "keys:admin";
constexpr std::string_view audit_logs_read = "audit_logs:read";
constexpr std::string_view policies_read = "policies:read";
constexpr std::string_view policies_write = "policies:write";
} // namespace scopes

} // namespace alter
