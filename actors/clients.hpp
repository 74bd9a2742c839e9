// Spawning App and Agent client actors into an actor system the host provides.
#pragma once

#include "caf/expected.hpp"
#include "caf/fwd.hpp"

#include "actors/client_actors.hpp"
#include "actors/client_options.hpp"
#include "net/transport.hpp"

namespace alter {

/// An App client. Fails with invalid_argument (AlterValueError) on bad options.
caf::expected<app_actor> spawn_app(caf::actor_system& sys,
                                   net::transport_actor transport,
                                   const client_options& options);

/// An Agent client; caller type is always agent.
caf::expected<agent_actor> spawn_agent(caf::actor_system& sys,
                                       net::transport_actor transport,
                                       client_options options);

} // namespace alter
