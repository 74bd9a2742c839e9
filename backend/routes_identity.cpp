#include "backend/routes.hpp"

#include "messages/agent_info.hpp"
#include "messages/json_codec.hpp"

namespace alter::backend {

namespace {

agent_info to_agent_info(const agent_record& a) {
  agent_info info;
  info.id = a.id;
  info.app_id = a.app_id;
  info.name = a.name;
  info.display_name = a.display_name;
  info.type = a.type;
  info.status = a.status;
  info.created_at = a.created_at;
  info.metadata = fields_from_json(a.metadata_json);
  return info;
}

} // namespace

void add_identity_routes(api_router& router, backend_context&) {
  route me;
  me.method = "GET";
  me.pattern = "/v1/me";
  me.allows_inactive_agent = true;
  me.handler = [](const api_call_ptr& call) {
    const auto& agent = call->identity.agent;
    if (!agent)
      return call->fail(make_error(error_code::me_requires_agent_key,
                                   "me() needs an agent key, or an app key acting "
                                   "as an agent (get_agent)"));
    call->reply(200, to_json(to_agent_info(*agent)));
  };
  router.add(std::move(me));
}

} // namespace alter::backend
