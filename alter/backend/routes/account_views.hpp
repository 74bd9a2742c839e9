// Stored agents and keys as the wire models show them.
#pragma once

#include <string>

#include "alter/backend/store/records.hpp"
#include "alter/messages/agent_info.hpp"
#include "alter/messages/keys.hpp"

namespace alter::backend {

agent_info to_agent_info(const agent_record& a);
key_info to_key_info(const key_record& k);

/// The JSON of a provider scope allowlist, and back ({} for unreadable text).
std::string provider_scopes_json(const provider_scopes& x);
provider_scopes provider_scopes_from_json(const std::string& text);

} // namespace alter::backend
