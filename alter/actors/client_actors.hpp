// The typed interfaces of the App and Agent client actors.
//
// Every call replies with its value or with an error; unwrap errors with
// alter::from_caf_error(err) and branch on the code or its class.
#pragma once

#include <string>

#include "caf/actor.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "alter/actors/agents_namespace.hpp"
#include "alter/actors/keys_namespace.hpp"
#include "alter/auth/constraints.hpp"
#include "alter/messages/agent_info.hpp"
#include "alter/messages/approvals.hpp"
#include "alter/messages/atoms.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/catalogs.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/grants.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/messages/identity.hpp"
#include "alter/messages/provider_call.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/retry_info.hpp"
#include "alter/messages/trace_fields.hpp"

namespace alter {

/// What App and Agent share.
using client_actor = caf::typed_actor<
    /// Retrieve mode: the SDK fetches the credential and calls the provider itself.
    caf::replies_to<request_atom, provider_call>::with<http_response>,
    /// Proxy mode: the backend calls the provider; may hold the call for approval.
    caf::replies_to<proxy_atom, provider_call>::with<proxy_outcome>,
    caf::replies_to<list_grants_atom, grant_query>::with<grant_list>,
    /// The state of a held call (non-blocking).
    caf::replies_to<approval_status_atom, std::string>::with<approval_status>,
    /// Waits for a held call's outcome: the executed result, or approval_denied,
    /// approval_expired, approval_execution_failed, approval_timeout (local).
    caf::replies_to<await_approval_atom, std::string,
                    approval_wait>::with<proxy_result>,
    /// The audit trail after a cursor (needs audit_logs:read).
    caf::replies_to<audit_query_atom, audit_query>::with<audit_page>,
    /// with_constraints: a sub-client whose every request carries the
    /// attenuation (scopes and/or a one-off rule); it may only narrow. The reply
    /// is the sub-client, of the parent's own interface: actor_cast it to
    /// agent_actor or app_actor. AlterValueError for bad or repeated constraints.
    caf::replies_to<constrain_atom, constraints>::with<caf::actor>,
    /// A trace scope: a sub-client (same interface, actor_cast it) whose every
    /// call carries these fields; scopes nest, the inner fields win.
    caf::replies_to<trace_atom, trace_fields>::with<caf::actor>,
    /// scopes.list(): the Alter scope catalog.
    caf::replies_to<scopes_atom>::with<scope_catalog>,
    /// oauth_providers.list(force_refresh): cached for five minutes.
    caf::replies_to<providers_atom, bool>::with<provider_catalog>,
    /// The keys namespace (derive, rotate, revoke) of this client's key.
    caf::replies_to<keys_atom>::with<keys_actor>,
    /// create_managed_secret_grant; an Agent may only grant itself.
    caf::replies_to<create_grant_atom, managed_secret_grant>::with<created_grant>,
    /// revoke_delegation(grant_id, agent_id): an Agent passes an empty agent_id
    /// (its own access path); an App names the agent.
    caf::replies_to<revoke_delegation_atom, std::string,
                    std::string>::with<revoked_delegation>,
    /// resolve_identity(user_token): who the end user is, for this app.
    caf::replies_to<resolve_identity_atom, std::string>::with<identity_context>,
    /// The backend-resolved actor id, once a call has been answered; else "".
    caf::replies_to<actor_id_atom>::with<std::string>,
    /// Whether the last answer marked the key deprecated (X-Alter-Key-Deprecated).
    caf::replies_to<key_status_atom>::with<bool>,
    /// The backend base URL the client is pinned to.
    caf::replies_to<base_url_atom>::with<std::string>,
    /// Internal: sends the pending audit reports of retrieve-mode calls.
    caf::reacts_to<flush_atom>,
    /// Internal: a delayed step of a polling flow (connect, authenticate) is due.
    caf::reacts_to<timer_atom, uint64_t>,
    /// create_connect_session / poll_connect_session. An Agent's session
    /// (with connect:initiate) delegates the grant made to the agent, for the
    /// user its user_token_getter names.
    caf::replies_to<connect_session_atom, connect_request>::with<connect_session>,
    caf::replies_to<poll_connect_atom, std::string>::with<connect_status>,
    /// The headless connect() flow: creates a session, shows its URL (to
    /// `url_listener` as (connect_atom, url) when given, else a browser or
    /// standard error), and polls until the user decides: the results, or
    /// connect_denied, connect_timeout.
    caf::replies_to<connect_atom, connect_options,
                    caf::actor>::with<std::vector<connect_result>>,
    /// RetryInfo of the most recent request() (retrieve mode).
    caf::replies_to<last_retry_info_atom>::with<retry_info>,
    /// Waits for outstanding calls and sends pending audit reports, then refuses
    /// new calls with client_closed.
    caf::replies_to<close_atom>::with<bool>>;

/// The workload client (agent keys, or an app key impersonating an agent).
using agent_actor = client_actor::extend<caf::replies_to<me_atom>::with<agent_info>>;

/// The application client.
using app_actor = client_actor::extend<
    /// An Agent that acts as `agent_id` through this app's key.
    caf::replies_to<get_agent_atom, std::string>::with<agent_actor>,
    /// The agents namespace (operator CRUD of agents and their keys).
    caf::replies_to<agents_atom>::with<agents_actor>,
    /// revoke_grant(grant_id, reason).
    caf::replies_to<revoke_grant_atom, std::string, std::string>::with<revoked_grant>,
    /// verify_user_token: the subject, or valid == false.
    caf::replies_to<verify_token_atom, std::string>::with<verified_user>,
    /// create_auth_session / poll_auth_session: sign-in at the local identity
    /// provider.
    caf::replies_to<auth_session_atom>::with<auth_session>,
    caf::replies_to<poll_auth_atom, std::string>::with<auth_status>,
    /// authenticate(timeout): the sign-in flow end to end, its URL shown like
    /// connect()'s; a completed auth_status, or connect_timeout.
    caf::replies_to<authenticate_atom, double, caf::actor>::with<auth_status>>;

} // namespace alter
