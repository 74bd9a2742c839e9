#include "alter/backend/store/vocabulary.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace alter::backend {

namespace {

// One name table per enum, in declaration order; both directions read it.
template <class Enum, std::size_t N>
using name_table = std::array<std::pair<Enum, std::string_view>, N>;

template <class Enum, std::size_t N>
std::string_view name_of(const name_table<Enum, N>& table, Enum x) noexcept {
  for (const auto& [value, name] : table)
    if (value == x)
      return name;
  return "unknown";
}

template <class Enum, std::size_t N>
bool value_of(const name_table<Enum, N>& table, std::string_view text,
              Enum& out) noexcept {
  for (const auto& [value, name] : table)
    if (name == text) {
      out = value;
      return true;
    }
  return false;
}

constexpr name_table<key_type, 5> key_type_names{{
    {key_type::runtime, "runtime"},
    {key_type::agent, "agent"},
    {key_type::derived, "derived"},
    {key_type::personal, "personal"},
    {key_type::legacy, "legacy"},
}};

constexpr name_table<key_status, 3> key_status_names{{
    {key_status::active, "active"},
    {key_status::deprecated, "deprecated"},
    {key_status::revoked, "revoked"},
}};

constexpr name_table<agent_status, 3> agent_status_names{{
    {agent_status::active, "active"},
    {agent_status::inactive, "inactive"},
    {agent_status::revoked, "revoked"},
}};

constexpr name_table<agent_type, 2> agent_type_names{{
    {agent_type::agent, "agent"},
    {agent_type::service, "service"},
}};

constexpr name_table<grant_status, 3> grant_status_names{{
    {grant_status::active, "active"},
    {grant_status::revoked, "revoked"},
    {grant_status::expired, "expired"},
}};

constexpr name_table<grant_kind, 2> grant_kind_names{{
    {grant_kind::oauth, "oauth"},
    {grant_kind::managed_secret, "managed_secret"},
}};

constexpr name_table<principal_type, 4> principal_type_names{{
    {principal_type::agent, "agent"},
    {principal_type::user, "user"},
    {principal_type::group, "group"},
    {principal_type::system, "system"},
}};

constexpr name_table<app_user_status, 2> app_user_status_names{{
    {app_user_status::active, "active"},
    {app_user_status::suspended, "suspended"},
}};

constexpr name_table<approval_state, 7> approval_state_names{{
    {approval_state::pending, "pending"},
    {approval_state::approved, "approved"},
    {approval_state::denied, "denied"},
    {approval_state::expired, "expired"},
    {approval_state::executing, "executing"},
    {approval_state::executed, "executed"},
    {approval_state::failed, "failed"},
}};

constexpr name_table<session_kind, 2> session_kind_names{{
    {session_kind::connect, "connect"},
    {session_kind::auth, "auth"},
}};

constexpr name_table<session_status, 5> session_status_names{{
    {session_status::pending, "pending"},
    {session_status::completed, "completed"},
    {session_status::denied, "denied"},
    {session_status::expired, "expired"},
    {session_status::failed, "failed"},
}};

constexpr name_table<oauth_token_state, 2> oauth_token_state_names{{
    {oauth_token_state::valid, "valid"},
    {oauth_token_state::reauth_required, "reauth_required"},
}};

constexpr name_table<audit_outcome, 4> audit_outcome_names{{
    {audit_outcome::success, "success"},
    {audit_outcome::error, "error"},
    {audit_outcome::denied, "denied"},
    {audit_outcome::pending, "pending"},
}};

} // namespace

#define ALTER_VOCABULARY(Enum)                                                         \
  std::string_view to_string(Enum x) noexcept {                                        \
    return name_of(Enum##_names, x);                                                   \
  }                                                                                    \
  bool from_string(std::string_view text, Enum& out) noexcept {                        \
    return value_of(Enum##_names, text, out);                                          \
  }

ALTER_VOCABULARY(key_type)
ALTER_VOCABULARY(key_status)
ALTER_VOCABULARY(agent_status)
ALTER_VOCABULARY(agent_type)
ALTER_VOCABULARY(grant_status)
ALTER_VOCABULARY(grant_kind)
ALTER_VOCABULARY(principal_type)
ALTER_VOCABULARY(app_user_status)
ALTER_VOCABULARY(approval_state)
ALTER_VOCABULARY(session_kind)
ALTER_VOCABULARY(session_status)
ALTER_VOCABULARY(oauth_token_state)
ALTER_VOCABULARY(audit_outcome)

#undef ALTER_VOCABULARY

} // namespace alter::backend
