#include "actors/runtime.hpp"

#include "caf/actor_system.hpp"
#include "caf/exit_reason.hpp"
#include "caf/send.hpp"

#include "actors/clients.hpp"

namespace alter {

runtime::runtime(caf::actor_system& sys, net::transport_options options)
    : sys_(sys), transport_(net::spawn_transport(sys, options)) {
}

runtime::~runtime() {
  caf::anon_send_exit(transport_, caf::exit_reason::user_shutdown);
}

caf::expected<app_actor> runtime::spawn_app(const client_options& options) {
  return alter::spawn_app(sys_, transport_, options);
}

caf::expected<agent_actor> runtime::spawn_agent(const client_options& options) {
  return alter::spawn_agent(sys_, transport_, options);
}

} // namespace alter
