// The agents namespace actor: validates every argument before any I/O, then one
// backend call per method (docs/protocol.md section 7.4).
#include "alter/actors/agents_namespace.hpp"

#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "alter/actors/client_calls.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/validation.hpp"
#include "alter/net/url.hpp"

namespace alter::detail {

namespace {

constexpr std::size_t max_block = 8192;

std::optional<caf::error> bad_agent_id(const std::string& id) {
  if (!is_uuid(id))
    return invalid("agent_id must be a UUID");
  return std::nullopt;
}

std::optional<caf::error> bad_key_id(const std::string& agent_id,
                                     const std::string& key_id) {
  if (auto e = bad_agent_id(agent_id))
    return e;
  if (!is_uuid(key_id))
    return invalid("key_id must be a UUID");
  return std::nullopt;
}

std::optional<caf::error> bad_blocks(const field_list& metadata,
                                     const provider_scopes& scopes,
                                     const field_list& policy) {
  if (fields_to_json(metadata).size() > max_block)
    return invalid("metadata must be at most 8 KiB as JSON");
  if (fields_to_json(policy).size() > max_block)
    return invalid("policy must be at most 8 KiB as JSON");
  for (const auto& [provider, list] : scopes) {
    if (provider.empty() || provider.size() > 128 || has_control_characters(provider))
      return invalid("scopes: provider ids must be 1-128 printable characters");
    for (const auto& s : list)
      if (s.empty() || s.size() > 256 || has_control_characters(s))
        return invalid("scopes: OAuth scopes must be 1-256 printable characters");
  }
  return std::nullopt;
}

std::optional<caf::error> bad_create(const agent_create& x, const std::string& idem) {
  if (!is_valid_agent_name(x.name))
    return invalid("name must be 1-64 characters of a-z, 0-9, '-' and '_', "
                   "starting with a letter or digit");
  if (x.type != "agent" && x.type != "service")
    return invalid("type must be \"agent\" or \"service\"");
  if (x.display_name.size() > 256 || has_control_characters(x.display_name))
    return invalid("display_name must be at most 256 printable characters");
  if (!idem.empty() && !is_valid_idempotency_key(idem))
    return invalid("idempotency_key must be 1-255 printable ASCII characters "
                   "without spaces, CR or LF");
  return bad_blocks(x.metadata, x.scopes, x.policy);
}

using agents_pointer = agents_actor::stateful_pointer<client_state>;

std::string agent_path(const std::string& agent_id) {
  return "/v1/agents/" + agent_id;
}

std::string key_path(const std::string& agent_id, const std::string& key_id) {
  return agent_path(agent_id) + "/keys/" + key_id;
}

agents_actor::behavior_type agents_namespace(agents_pointer self,
                                             std::shared_ptr<const supervision> sup) {
  self->state.sup = std::move(sup);
  return {
      [=](create_atom, const agent_create& x,
          const std::string& idem) -> caf::result<agent_created> {
        if (auto e = bad_create(x, idem))
          return std::move(*e);
        backend_call bc{"POST", "/v1/agents", to_json(x)};
        bc.idempotency_key = idem;
        // With a key the backend replays instead of creating twice: safe to
        // retry. A new agent is 201, a replay 200.
        auto kind = idem.empty() ? call_kind::non_idempotent : call_kind::idempotent;
        return call_model<agent_created>(self, std::move(bc), any_success, kind);
      },
      [=](list_atom, const agent_query& q) -> caf::result<agent_list> {
        if (auto e = bad_page(q.limit, q.offset))
          return std::move(*e);
        return get_model<agent_list>(
            self, "/v1/agents?include_revoked="
                      + std::string{q.include_revoked ? "true" : "false"}
                      + "&limit=" + std::to_string(q.limit)
                      + "&offset=" + std::to_string(q.offset));
      },
      [=](get_atom, const std::string& id) -> caf::result<agent_info> {
        if (auto e = bad_agent_id(id))
          return std::move(*e);
        return get_model<agent_info>(self, agent_path(id));
      },
      [=](get_by_name_atom, const std::string& name) -> caf::result<agent_lookup> {
        if (!is_valid_agent_name(name))
          return invalid("name must be 1-64 characters of a-z, 0-9, '-' and '_'");
        if (self->state.closed)
          return closed_error();
        auto promise = self->make_response_promise<agent_lookup>();
        begin_call(self);
        backend_call bc{"GET", "/v1/agents/by-name/" + name};
        bc.timeout = self->state.settings().timeout;
        call_backend(
            self, std::move(bc), call_kind::idempotent,
            [=](http_response& reply) mutable {
              agent_lookup out;
              if (reply.status == 404
                  && backend_error_of(reply).code == error_code::agent_not_found)
                return finish(self, promise, std::move(out));
              auto info = read_backend_reply<agent_info>(reply, 200);
              if (!info)
                return finish(self, promise, std::move(info.error()));
              out.found = true;
              out.agent = std::move(*info);
              finish(self, promise, std::move(out));
            },
            [=](caf::error& err) mutable { finish(self, promise, std::move(err)); });
        return promise;
      },
      [=](update_atom, const std::string& id,
          const agent_update& x) -> caf::result<agent_info> {
        if (auto e = bad_agent_id(id))
          return std::move(*e);
        if (!x.status.empty() && x.status != "active" && x.status != "inactive")
          return invalid("status must be \"active\" or \"inactive\"");
        if (x.display_name.size() > 256 || has_control_characters(x.display_name))
          return invalid("display_name must be at most 256 printable characters");
        if (auto e = bad_blocks(x.metadata, x.scopes, x.policy))
          return std::move(*e);
        return send_model<agent_info>(self, "PATCH", agent_path(id), to_json(x), 200);
      },
      [=](delete_atom, const std::string& id) -> caf::result<agent_info> {
        if (auto e = bad_agent_id(id))
          return std::move(*e);
        return send_model<agent_info>(self, "DELETE", agent_path(id), {}, 200);
      },
      [=](mint_key_atom, const std::string& id,
          const std::string& name) -> caf::result<minted_key> {
        if (auto e = bad_agent_id(id))
          return std::move(*e);
        if (name.size() > 128 || has_control_characters(name))
          return invalid("a key name must be at most 128 printable characters");
        field_list body{{"name", name}};
        return send_model<minted_key>(self, "POST", agent_path(id) + "/keys",
                                      fields_to_json(body), 201);
      },
      [=](list_keys_atom, const std::string& id) -> caf::result<key_list> {
        if (auto e = bad_agent_id(id))
          return std::move(*e);
        return get_model<key_list>(self, agent_path(id) + "/keys");
      },
      [=](deprecate_key_atom, const std::string& id,
          const std::string& key_id) -> caf::result<key_info> {
        if (auto e = bad_key_id(id, key_id))
          return std::move(*e);
        return send_model<key_info>(self, "POST", key_path(id, key_id) + "/deprecate",
                                    {}, 200);
      },
      [=](undeprecate_key_atom, const std::string& id,
          const std::string& key_id) -> caf::result<key_info> {
        if (auto e = bad_key_id(id, key_id))
          return std::move(*e);
        return send_model<key_info>(self, "POST", key_path(id, key_id) + "/undeprecate",
                                    {}, 200);
      },
      [=](revoke_key_atom, const std::string& id, const std::string& key_id,
          bool force) -> caf::result<key_info> {
        if (auto e = bad_key_id(id, key_id))
          return std::move(*e);
        return send_model<key_info>(self, "POST", key_path(id, key_id) + "/revoke",
                                    force ? R"({"force":true})" : R"({"force":false})",
                                    200);
      },
      [=](close_atom) { return close_client(self); },
  };
}

} // namespace

agents_actor spawn_agents_namespace(caf::local_actor* parent,
                                    std::shared_ptr<const supervision> sup) {
  return parent->spawn(agents_namespace, std::move(sup));
}

} // namespace alter::detail
