// Default deny, step three: which grant a caller may use, and the credential a
// grant hands out.
#pragma once

#include "caf/expected.hpp"

#include "alter/backend/access/caller_identity.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/backend/store/store.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/grants.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/wire_requests.hpp"

namespace alter::backend {

/// The grant a selector names, if this caller may use it:
/// - an agent (by its key or impersonated) uses the grants it owns;
/// - an app key on its own uses the app's system grants.
/// grant_id and provider select exclusively; provider may need account/label.
/// Errors: grant_not_found, no_delegated_grant, ambiguous_grant (candidates in
/// details), grant_revoked, grant_expired, invalid_request.
caf::expected<grant_record> resolve_grant(store& db, const caller_identity& caller,
                                          const grant_selector& selector);

/// A secret as a token response: the credential and its injection metadata.
token_response token_from_secret(const secret_record& secret);

/// The credential of a grant and its injection metadata.
/// True when `caller` has an access path to `g`: an agent's own grants and those
/// delegated to it; an app acting for a user, that user's grants; else the
/// app's non-agent grants.
bool may_use(store& db, const caller_identity& caller, const grant_record& g);

/// The grant if it may still be used: not revoked, not expired.
caf::expected<grant_record> check_grant_state(grant_record g);

caf::expected<token_response> credential_of(store& db, const grant_record& grant);

/// The scopes the grant's provider now requires that `granted` lacks (an
/// operator added them after the grant was made): when any, the grant reads as
/// scope_mismatch. Always none for a managed-secret grant.
std::vector<std::string>
missing_required_scopes(store& db, const grant_record& g,
                        const std::vector<std::string>& granted);

/// Whether a consent by the session's user (`user_id`, "" for none) may give
/// `g` new tokens: a user's grant by that user, the app's own grants (system,
/// or Connect's of no user) by a session that names no user; never an agent's
/// or a group's.
bool consent_may_renew(const grant_record& g, const std::string& user_id);

/// A grant as list_grants() shows it.
grant_item to_grant_item(store& db, const grant_record& grant);

/// The filter for the grants a caller may use.
grant_filter usable_by(const caller_identity& caller);

/// A grant's expiry from its policy: the explicit time, else now + the default
/// TTL, never beyond now + the maximum TTL ("" for none); nullopt when the
/// policy is invalid.
std::optional<std::string> grant_expiry(const grant_policy& p);

} // namespace alter::backend
