// Whether a key, an agent or a grant is usable now: decided here and only here,
// for the authenticator, grant resolution and the approval desk alike (a call
// that waited for a human is checked again when it runs). Expiry is one rule
// everywhere: a thing expires at its expires_at instant (now >= expires_at).
// Times in the database are hostile input too: an unreadable expiry counts as
// expired (fail closed).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "alter/backend/store/records.hpp"
#include "alter/messages/error_code.hpp"

namespace alter::backend {

using time_point = std::chrono::system_clock::time_point;

/// An ISO 8601 UTC time as the store writes it (2026-11-28T16:09:32.123Z, with or
/// without fractional seconds); nullopt for anything else.
std::optional<time_point> parse_timestamp(std::string_view text) noexcept;

/// Whether `expires_at` (empty: never) has been reached at `now`.
bool has_expired(std::string_view expires_at, time_point now) noexcept;

/// Whether expiry `a` comes before expiry `b` (empty: never; unreadable: already
/// passed, so it counts as the sooner).
bool expires_sooner(std::string_view a, std::string_view b) noexcept;

/// A key may authenticate: not revoked, not expired.
bool key_is_live(const key_record& k, time_point now) noexcept;

/// An agent exists for its keys (not revoked; a paused agent still authenticates).
bool agent_is_live(const agent_record& a) noexcept;

/// An agent may act (active: neither paused nor revoked).
bool agent_may_act(const agent_record& a) noexcept;

/// Why a grant cannot be used now (grant_revoked, grant_expired); nullopt when
/// it can.
std::optional<error_code> grant_unusable(const grant_record& g,
                                         time_point now) noexcept;

/// A grant's status as clients see it: expired once its expiry passed.
grant_status effective_grant_status(const grant_record& g, time_point now) noexcept;

} // namespace alter::backend
