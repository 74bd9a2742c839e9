// app.agents: operator CRUD for managed agents and their keys (App keys with
// agents:read / agents:write / agents:admin). An actor of its own, made by the
// App on request (agents_atom) and sharing the App's key, transport and budget.
#pragma once

#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "alter/messages/agents.hpp"
#include "alter/messages/atoms.hpp"
#include "alter/messages/keys.hpp"

namespace alter {

using agents_actor = caf::typed_actor<
    /// AgentInfo plus the plaintext key once. The second argument is the
    /// Idempotency-Key (empty: none): the same key and body replay the same
    /// metadata without the key; another body is idempotency_key_body_mismatch.
    caf::replies_to<create_atom, agent_create, std::string>::with<agent_created>,
    caf::replies_to<list_atom, agent_query>::with<agent_list>,
    caf::replies_to<get_atom, std::string>::with<agent_info>,
    /// found == false when no live agent has the name.
    caf::replies_to<get_by_name_atom, std::string>::with<agent_lookup>,
    /// Refuses to narrow the scope allowlist (agent_scope_narrowing_not_supported).
    caf::replies_to<update_atom, std::string, agent_update>::with<agent_info>,
    /// Soft delete: the agent is revoked with all its keys.
    caf::replies_to<delete_atom, std::string>::with<agent_info>,
    /// (agent_id, key name): a new key, its plaintext once.
    caf::replies_to<mint_key_atom, std::string, std::string>::with<minted_key>,
    caf::replies_to<list_keys_atom, std::string>::with<key_list>,
    /// (agent_id, key_id): the key keeps working; answers carry
    /// X-Alter-Key-Deprecated until it is undeprecated.
    caf::replies_to<deprecate_key_atom, std::string, std::string>::with<key_info>,
    caf::replies_to<undeprecate_key_atom, std::string, std::string>::with<key_info>,
    /// (agent_id, key_id, force): last_active_key unless forced.
    caf::replies_to<revoke_key_atom, std::string, std::string, bool>::with<key_info>,
    caf::replies_to<close_atom>::with<bool>>;

} // namespace alter
