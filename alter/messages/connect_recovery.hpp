// Connect session requests built from something else, so the actor API and
// the facades share them: create_connect_session_for_error (the session that
// fixes an error a call got, from the error's code and details alone, no I/O)
// and create_managed_secret_connect_session.
#pragma once

#include <optional>

#include "alter/messages/alter_error.hpp"
#include "alter/messages/connect.hpp"

namespace alter {

/// The session request that fixes `e`, on top of `base` (return_url,
/// metadata, ...):
/// - ReAuthRequiredError or ScopeReauthRequiredError naming an OAuth grant
///   (details grant_id, provider_id): a consent that gives that grant new
///   tokens (reauth_grant_id);
/// - NoDelegatedGrantError (details provider_id, agent_id): a consent for that
///   provider whose grant goes to that agent;
/// - any other error naming a provider_id: a consent for a new grant there.
/// nullopt when the error names nothing a consent could fix.
std::optional<connect_request> connect_request_for_error(const alter_error& e,
                                                         connect_request base = {});

/// The Connect session request of create_managed_secret_connect_session.
connect_request connect_request_for_secret(const managed_secret_connect_request& r);

} // namespace alter
