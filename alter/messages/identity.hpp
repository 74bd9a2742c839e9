// End-user identity: the local identity provider's sign-in sessions, token
// verification and identity resolution.
#pragma once

#include <string>
#include <vector>

#include "alter/messages/field.hpp"
#include "alter/messages/inspect_fields.hpp"

namespace alter {

struct auth_session {
  std::string session_token;
  std::string auth_url;
  std::string expires_at;
};

/// poll_auth_session: pending, completed or expired; a completed session
/// carries the user's JWT and what the identity provider knows of them.
struct auth_status {
  std::string status;
  std::string user_token;
  field_list user_info;
};

/// verify_user_token: the verified subject, or `valid` false.
struct verified_user {
  bool valid = false;
  std::string sub;
};

struct identity_context {
  std::string app_user_id;
  std::string agent_id;
  std::vector<std::string> group_ids;
  /// active or suspended; callers fail closed unless active.
  std::string user_status;
  std::string external_subject_id;
  std::string idp_id;
};

ALTER_INSPECT(auth_session, x.session_token, x.auth_url, x.expires_at)
ALTER_INSPECT(auth_status, x.status, x.user_token, x.user_info)
ALTER_INSPECT(verified_user, x.valid, x.sub)
ALTER_INSPECT(identity_context, x.app_user_id, x.agent_id, x.group_ids, x.user_status,
              x.external_subject_id, x.idp_id)

} // namespace alter
