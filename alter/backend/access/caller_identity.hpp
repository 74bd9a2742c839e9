// Who is calling: established by the authenticator before any route runs.
#pragma once

#include <optional>
#include <string>

#include "alter/auth/constraints.hpp"
#include "alter/backend/store/records.hpp"

namespace alter::backend {

struct caller_identity {
  key_record key;
  /// The agent acting: the agent key's owner, or the agent an app key
  /// impersonates (x-alter-caller-type: agent, x-alter-caller: <agent UUID>).
  std::optional<agent_record> agent;
  bool impersonating = false;
  /// Attribution as the client sent it.
  std::string caller;
  std::string caller_type;
  std::string user_token;
  /// The end user a verified x-alter-user-token names (identity mode).
  std::optional<app_user_record> user;
  /// An agent's end user (a verified x-alter-delegation-token): whose
  /// delegation a credential call selects among the agent's grants, and whose
  /// grant a Connect session the agent starts makes. Never an access path:
  /// nothing that decides what the caller may use reads it.
  std::optional<app_user_record> delegating_user;
  /// The client's attenuation (x-alter-constraints), already checked to narrow.
  std::optional<alter::constraints> constraints;

  /// True when the key, and the constraints if any, permit `required`.
  bool permits(std::string_view required) const;

  const std::string& app_id() const noexcept {
    return key.app_id;
  }

  bool key_deprecated() const noexcept {
    return key.status == key_status::deprecated;
  }
};

} // namespace alter::backend
