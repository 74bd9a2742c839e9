#include "alter/actors/runtime.hpp"

#include "caf/actor_system.hpp"
#include "caf/exit_reason.hpp"
#include "caf/send.hpp"

#include "alter/actors/client_registry.hpp"
#include "alter/actors/clients.hpp"

namespace alter {

runtime::runtime(caf::actor_system& sys, net::transport_options options,
                 net::retry_budget_options budget)
    : sys_(sys),
      context_(make_client_context(net::spawn_transport(sys, options), budget)) {
}

runtime::~runtime() {
  shutdown();
}

std::size_t runtime::shutdown(std::chrono::milliseconds bound) {
  // Once, even when two threads shut down at once. Not from inside an actor:
  // the drain waits for the clients, which need the scheduler's threads.
  if (shut_down_.exchange(true))
    return 0;
  // The clients first: their drains need the transport.
  auto drained = context_.clients->drain(sys_, bound);
  caf::anon_send_exit(context_.transport, caf::exit_reason::user_shutdown);
  return drained;
}

caf::expected<app_actor> runtime::spawn_app(const client_options& options) {
  return alter::spawn_app(sys_, context_, options);
}

caf::expected<agent_actor> runtime::spawn_agent(const client_options& options) {
  return alter::spawn_agent(sys_, context_, options);
}

} // namespace alter
