// Discovery: the Alter scope catalog (scopes.list) and the OAuth providers a
// Connect session can offer (oauth_providers.list).
#pragma once

#include <string>
#include <vector>

#include "alter/messages/inspect_fields.hpp"

namespace alter {

struct resource_scopes {
  std::string resource;
  /// read, write, admin: each implies the ones before it.
  std::vector<std::string> verbs;
  std::string description;
};

struct action_scope {
  std::string scope;
  std::string description;
};

struct scope_catalog {
  std::vector<resource_scopes> resources;
  /// Stand alone: no wildcard covers them.
  std::vector<action_scope> actions;
};

struct provider_scope {
  std::string scope;
  std::string description;
};

struct oauth_provider {
  std::string provider_id;
  std::string display_name;
  std::vector<provider_scope> scopes;
};

struct provider_catalog {
  std::vector<oauth_provider> providers;
};

ALTER_INSPECT(resource_scopes, x.resource, x.verbs, x.description)
ALTER_INSPECT(action_scope, x.scope, x.description)
ALTER_INSPECT(scope_catalog, x.resources, x.actions)
ALTER_INSPECT(provider_scope, x.scope, x.description)
ALTER_INSPECT(oauth_provider, x.provider_id, x.display_name, x.scopes)
ALTER_INSPECT(provider_catalog, x.providers)

} // namespace alter
