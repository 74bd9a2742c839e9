// Creates a ready-to-use scenario in a backend's store: an app with a key, agents
// with keys, a managed secret and a grant per agent and simulated provider, and
// one app-wide (system) grant per provider. The plaintext keys exist only in the
// result: the store keeps their hashes.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "alter/auth/scope_table.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

/// The tokens of a consent given earlier at an OAuth provider (the simulated
/// authorization server's consent_offline); nullopt when it refuses.
using oauth_consent
    = std::function<std::optional<oauth_token_record>(const provider_record&)>;

struct bootstrap_spec {
  std::string app_name = "demo-app";
  int agents = 3;
  /// Agent names are "<prefix>-<n>".
  std::string agent_prefix = "agent";
  /// The scope table's defaults (auth/scope_table.hpp).
  std::vector<std::string> app_scopes = default_scopes(key_holder::app);
  std::vector<std::string> agent_scopes = default_scopes(key_holder::agent);
  /// Providers to make secrets and grants for (registered beforehand, e.g. the
  /// simulated ones a local_backend registers at start).
  std::vector<std::string> providers = {"sim-bearer", "sim-apikey", "sim-query"};
  /// Where the grants of OAuth providers get their tokens. An OAuth provider
  /// gets one app-wide grant delegated to every agent (a team's shared
  /// connection); without a consent an OAuth provider is refused, since its
  /// grants come from Connect.
  oauth_consent consent;
  /// An approver for the approval page; empty: none.
  std::string approver_name = "approver";
};

struct bootstrapped_agent {
  std::string id;
  std::string name;
  std::string api_key;
  /// One grant per provider, in the order of bootstrap_spec::providers (an
  /// OAuth provider's is the shared app-wide one).
  std::vector<std::string> grant_ids;
};

struct bootstrap_result {
  std::string app_id;
  std::string app_key;
  std::string app_key_id;
  /// App-wide grants, one per provider.
  std::vector<std::string> system_grant_ids;
  std::vector<bootstrapped_agent> agents;
  /// The approver's sign-in token for the approval page (shown once).
  std::string approver_token;
};

/// Runs in one transaction, with the audit rows the API writes for the same
/// creations (app.created, key.minted, agent.created, grant.created; caller
/// "bootstrap", caller type "operator", one request id). Additive: it only adds
/// rows, so it may run on a database a server is using. Throws
/// std::invalid_argument for an unknown provider, and for an OAuth provider
/// without a consent or whose consent is refused.
bootstrap_result bootstrap(store& db, const bootstrap_spec& spec);

/// Registers the simulated providers at `base_url` + "/" + id, for a database
/// bootstrapped offline (`alter-local bootstrap`) that a server will serve.
/// Additive: a provider already registered keeps its row, since a server
/// running on this database reads it for every call (a server registers its own
/// URLs when it starts).
void register_simulated_providers(store& db, const std::string& base_url);

/// Adds an approver to `app_id` and returns the sign-in token (stored hashed).
std::string add_approver(repositories& db, const std::string& app_id,
                         const std::string& name);

/// A managed secret of `provider` for `owner` (a name in its slug), injected the
/// way that provider expects; its value is a fresh random credential.
secret_record make_secret(const std::string& app_id, const provider_record& provider,
                          const std::string& owner);

/// A key row for a fresh key of `type` ("runtime" or "agent"); the plaintext goes
/// to `plaintext` and nowhere else. Exposed for tests that mint extra keys.
key_record make_key(std::string app_id, std::string agent_id,
                    std::vector<std::string> scopes, std::string& plaintext);

} // namespace alter::backend
