// A host's own test, without a backend: an App client over the shipped
// scripted transport (alter::testing) lists grants; the test checks what the
// client sent and what it made of the answer.
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <alter/actors/clients.hpp>
#include <alter/auth/api_key.hpp>
#include <alter/messages/alter_error.hpp>
#include <alter/testing/scripted_transport.hpp>

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  alter::testing::scripted_transport net{sys};
  net.enqueue(alter::testing::json_response(
      200, R"({"grants":[],"total":0,"limit":100,"offset":0,"has_more":false})"));

  alter::client_options options;
  options.api_key = alter::generate_key(alter::key_type::runtime);
  options.base_url = "https://alter.test";
  auto app = alter::spawn_app(sys, net.context(), options);
  if (!app) {
    std::cerr << to_string(alter::from_caf_error(app.error())) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  bool listed = false;
  self->request(*app, caf::infinite, alter::list_grants_atom_v, alter::grant_query{})
      .receive([&](alter::grant_list& list) { listed = list.grants.empty(); },
               [&](caf::error& err) {
                 std::cerr << to_string(alter::from_caf_error(err)) << "\n";
               });
  auto seen = net.seen();
  bool asked = seen.size() == 1 && seen[0].where.host == "alter.test"
               && seen[0].request.target.rfind("/v1/grants", 0) == 0;
  std::cout << "test_double: " << (listed && asked ? "passed" : "FAILED") << "\n";
  return listed && asked ? 0 : 1;
}
