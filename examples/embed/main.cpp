// A host with its own actor system embeds the runtime: it starts the embedded
// backend, spawns an Agent client actor into its system, and talks to it from one
// of its own actors with typed messages.
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <alter/actors/runtime.hpp>
#include <alter/backend/bootstrap.hpp>
#include <alter/backend/local_backend.hpp>
#include <alter/messages/alter_error.hpp>
#include <alter/version.hpp>

int main() {
  std::cout << "embed_host: alter runtime " << alter::version() << "\n";
  alter::backend::local_backend backend;
  auto keys = alter::backend::bootstrap(backend.db(), {});
  const auto& agent_keys = keys.agents.front();

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  alter::runtime rt{sys};
  alter::client_options options;
  options.api_key = agent_keys.api_key;
  options.base_url = backend.base_url();
  options.tls.ca_pem = backend.certificate_pem();
  auto agent = rt.spawn_agent(options);
  if (!agent) {
    std::cerr << to_string(alter::from_caf_error(agent.error())) << "\n";
    return 1;
  }
  alter::provider_call call;
  call.url = backend.provider_base_url() + "/sim-bearer/v1/ping";
  call.grant_id = agent_keys.grant_ids.front();
  int status = 0;
  caf::scoped_actor self{sys};
  self->request(*agent, caf::infinite, alter::request_atom_v, call)
      .receive([&](alter::http_response& res) { status = res.status; },
               [&](caf::error& err) {
                 std::cerr << to_string(alter::from_caf_error(err)) << "\n";
               });
  std::cout << "embed_host: provider answered HTTP " << status << "\n";
  return status == 200 ? 0 : 1;
}
