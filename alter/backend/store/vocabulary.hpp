// The backend's stored vocabulary: the states and kinds of its records as enums.
// Each has one wire name (to_string) and one parser (from_string); the store writes
// the names and reads them back, the JSON protocol carries them as strings.
#pragma once

#include <string_view>

#include "alter/auth/api_key.hpp"

namespace alter::backend {

/// API keys are of the kinds their prefixes announce (alter::key_type).

/// An API key: deprecated keys still work (callers are told to rotate).
enum class key_status { active, deprecated, revoked };

/// An agent: inactive (paused) agents are refused by most routes.
enum class agent_status { active, inactive, revoked };

/// What an agent record stands for.
enum class agent_type { agent, service };

/// A grant as stored; a passed expiry makes an active grant read as expired.
enum class grant_status { active, revoked, expired };

/// What a grant hands out: an OAuth token or a secret the backend keeps.
enum class grant_kind { oauth, managed_secret };

/// Who a grant belongs to.
enum class principal_type { agent, user, group, system };

/// An end user of an app.
enum class app_user_status { active, suspended };

/// A held proxy call: pending -> approved -> executing -> executed | failed,
/// or pending -> denied | expired.
enum class approval_state {
  pending,
  approved,
  denied,
  expired,
  executing,
  executed,
  failed
};

/// A page session: Connect consent or sign-in.
enum class session_kind { connect, auth };

/// A page session's state: pending until completed, denied, expired, or failed
/// (a Connect whose OAuth exchange with the provider went wrong).
enum class session_status { pending, completed, denied, expired, failed };

/// An OAuth grant's tokens: usable (refreshed when due), or refused by the
/// authorization server (invalid_grant) so that only a new consent fixes them.
enum class oauth_token_state { valid, reauth_required };

/// How an audited action ended.
enum class audit_outcome { success, error, denied, pending };

std::string_view to_string(key_type x) noexcept;
std::string_view to_string(key_status x) noexcept;
std::string_view to_string(agent_status x) noexcept;
std::string_view to_string(agent_type x) noexcept;
std::string_view to_string(grant_status x) noexcept;
std::string_view to_string(grant_kind x) noexcept;
std::string_view to_string(principal_type x) noexcept;
std::string_view to_string(app_user_status x) noexcept;
std::string_view to_string(approval_state x) noexcept;
std::string_view to_string(session_kind x) noexcept;
std::string_view to_string(session_status x) noexcept;
std::string_view to_string(oauth_token_state x) noexcept;
std::string_view to_string(audit_outcome x) noexcept;

/// False (and `out` untouched) for a text that is no name of the enum.
bool from_string(std::string_view text, key_type& out) noexcept;
bool from_string(std::string_view text, key_status& out) noexcept;
bool from_string(std::string_view text, agent_status& out) noexcept;
bool from_string(std::string_view text, agent_type& out) noexcept;
bool from_string(std::string_view text, grant_status& out) noexcept;
bool from_string(std::string_view text, grant_kind& out) noexcept;
bool from_string(std::string_view text, principal_type& out) noexcept;
bool from_string(std::string_view text, app_user_status& out) noexcept;
bool from_string(std::string_view text, approval_state& out) noexcept;
bool from_string(std::string_view text, session_kind& out) noexcept;
bool from_string(std::string_view text, session_status& out) noexcept;
bool from_string(std::string_view text, oauth_token_state& out) noexcept;
bool from_string(std::string_view text, audit_outcome& out) noexcept;

} // namespace alter::backend
