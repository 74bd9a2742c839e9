// app.keys: the calling key's lifecycle. derive needs keys:derive, rotate and
// revoke keys:admin. An actor made on request (keys_atom), like app.agents.
#pragma once

#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "alter/messages/atoms.hpp"
#include "alter/messages/keys.hpp"

namespace alter {

using keys_actor = caf::typed_actor<
    /// A short-lived alter_dk_ key with a subset of the caller's scopes.
    caf::replies_to<derive_atom, key_derivation>::with<minted_key>,
    /// A new key with the old one's scopes; the old one works until the grace
    /// period ends.
    caf::replies_to<rotate_atom, key_rotation>::with<minted_key>,
    /// Immediate: the key's next call gets invalid_key; keys derived from it go too.
    caf::replies_to<revoke_atom, std::string>::with<key_info>,
    caf::replies_to<close_atom>::with<bool>>;

} // namespace alter
