// Connect: an end user consents, on a page the backend serves, to let the app
// (and optionally one of its agents) use their provider account.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alter/messages/field.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/inspect_fields.hpp"

namespace alter {

struct connect_request {
  /// Providers the user may connect; empty: every provider of the catalog.
  std::vector<std::string> allowed_providers;
  std::string return_url;
  std::string allowed_origin;
  field_list metadata;
  struct grant_policy grant_policy;
  /// Delegates the resulting grants to this agent as well.
  std::string agent_id;
  /// The end user's JWT; binds the grants to that user.
  std::string user_token;
  /// Re-authorises this OAuth grant instead of creating one (a grant the
  /// provider no longer accepts, or one lacking scopes the provider now
  /// requires): the consent gives it new tokens. allowed_providers must then be
  /// empty or its provider.
  std::string reauth_grant_id;
  /// A managed-secret Connect session (create_managed_secret_connect_session):
  /// the person types the secret for this provider on the page; it is stored
  /// encrypted and a managed_secret grant is made of it. allowed_providers
  /// must then be empty or this provider.
  std::string secret_provider;
};

/// create_managed_secret_connect_session: a consent page where the person
/// enters a secret (an API key of theirs) for one provider.
struct managed_secret_connect_request {
  /// The provider the secret is for; required.
  std::string provider_id;
  /// The end user's JWT: the grant is theirs (else the client's user token;
  /// with none, the grant is the app's).
  std::string user_token;
  /// Delegates the grant to this agent as well.
  std::string agent_id;
  struct grant_policy grant_policy;
  std::string return_url;
  field_list metadata;
};

/// A short-lived session (10 minutes): its token is the only way to its page.
struct connect_session {
  std::string session_token;
  std::string connect_url;
  std::string expires_at;
};

struct connect_result {
  std::string grant_id;
  std::string provider_id;
  std::string account_identifier;
  std::vector<std::string> scopes;
  struct grant_policy grant_policy;
  /// "creation" (a new grant) or "reauth" (reauth_grant_id got new tokens), as
  /// the Connect SDK's Grant object says.
  std::string operation = "creation";
};

/// poll_connect_session: pending, completed, denied or expired.
struct connect_status {
  std::string status;
  std::vector<connect_result> results;
};

/// The headless connect() flow.
struct connect_options {
  std::vector<std::string> providers;
  struct grant_policy grant_policy;
  /// Seconds until ConnectTimeoutError.
  double timeout = 300.0;
  double poll_interval = 2.0;
  /// Try the desktop's browser (xdg-open); otherwise (or when that fails) the
  /// URL is written to standard error, for SSH sessions.
  bool open_browser = true;
};

ALTER_INSPECT(connect_request, x.allowed_providers, x.return_url, x.allowed_origin,
              x.metadata, x.grant_policy, x.agent_id, x.user_token, x.reauth_grant_id,
              x.secret_provider)
ALTER_INSPECT(connect_session, x.session_token, x.connect_url, x.expires_at)
ALTER_INSPECT(connect_result, x.grant_id, x.provider_id, x.account_identifier, x.scopes,
              x.grant_policy, x.operation)
ALTER_INSPECT(connect_status, x.status, x.results)
ALTER_INSPECT(connect_options, x.providers, x.grant_policy, x.timeout, x.poll_interval,
              x.open_browser)

} // namespace alter
