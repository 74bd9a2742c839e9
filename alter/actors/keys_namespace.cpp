// The keys namespace actor (docs/protocol.md section 7.4): derive, rotate, revoke.
#include "alter/actors/keys_namespace.hpp"

#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "alter/actors/client_calls.hpp"
#include "alter/auth/scope.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/validation.hpp"

namespace alter::detail {

namespace {

constexpr int64_t thirty_days = int64_t{30} * 24 * 3600;

using keys_pointer = keys_actor::stateful_pointer<client_state>;

keys_actor::behavior_type keys_namespace(keys_pointer self,
                                         std::shared_ptr<const supervision> sup) {
  self->state.sup = std::move(sup);
  return {
      [=](derive_atom, const key_derivation& x) -> caf::result<minted_key> {
        if (x.scopes.empty() || x.scopes.size() > 64)
          return invalid("derive needs 1 to 64 scopes");
        for (const auto& s : x.scopes)
          if (!parse_scope(s))
            return invalid("'" + s.substr(0, 64) + "' is not a scope");
        if (x.expires_in < 60 || x.expires_in > thirty_days)
          return invalid("expires_in must be 60 seconds to 30 days");
        return send_model<minted_key>(self, "POST", "/v1/keys/derive", to_json(x), 201);
      },
      [=](rotate_atom, const key_rotation& x) -> caf::result<minted_key> {
        if (!is_uuid(x.key_id))
          return invalid("key_id must be a UUID");
        if (x.grace_period_seconds < 0 || x.grace_period_seconds > thirty_days)
          return invalid("grace_period_seconds must be 0 to 30 days");
        return send_model<minted_key>(self, "POST", "/v1/keys/" + x.key_id + "/rotate",
                                      to_json(x), 201);
      },
      [=](revoke_atom, const std::string& key_id) -> caf::result<key_info> {
        if (!is_uuid(key_id))
          return invalid("key_id must be a UUID");
        return send_model<key_info>(self, "POST", "/v1/keys/" + key_id + "/revoke", {},
                                    200);
      },
      [=](close_atom) { return close_client(self); },
  };
}

} // namespace

keys_actor spawn_keys_namespace(caf::local_actor* parent,
                                std::shared_ptr<const supervision> sup) {
  return parent->spawn(keys_namespace, std::move(sup));
}

} // namespace alter::detail
