// The typed interfaces of the App and Agent client actors.
//
// Every call replies with its value or with an error; unwrap errors with
// alter::from_caf_error(err) and branch on the code or its class.
#pragma once

#include <string>

#include "caf/actor.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "auth/constraints.hpp"
#include "messages/agent_info.hpp"
#include "messages/approvals.hpp"
#include "messages/atoms.hpp"
#include "messages/audit_log.hpp"
#include "messages/grants.hpp"
#include "messages/http_message.hpp"
#include "messages/provider_call.hpp"
#include "messages/proxy_outcome.hpp"
#include "messages/retry_info.hpp"

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
    /// Internal: sends the pending audit reports of retrieve-mode calls.
    caf::reacts_to<flush_atom>,
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
    caf::replies_to<get_agent_atom, std::string>::with<agent_actor>>;

} // namespace alter
