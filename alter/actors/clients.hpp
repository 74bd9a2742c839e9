// Spawning App and Agent client actors into an actor system the host provides.
#pragma once

#include <memory>

#include "caf/expected.hpp"
#include "caf/fwd.hpp"

#include "alter/actors/client_actors.hpp"
#include "alter/actors/client_options.hpp"
#include "alter/net/retry_budget.hpp"
#include "alter/net/transport.hpp"

namespace alter {

class client_registry;

/// What clients share: the transport and the retry budgets (one per backend
/// origin, shared by every client of that origin made from this context).
struct client_context {
  net::transport_actor transport;
  std::shared_ptr<net::retry_budget_registry> budgets;
  /// The clients made from this context, drained when its runtime shuts down.
  std::shared_ptr<client_registry> clients;
};

client_context make_client_context(net::transport_actor transport,
                                   net::retry_budget_options budget = {});

/// An App client. Fails with invalid_argument (AlterValueError) on bad options.
caf::expected<app_actor> spawn_app(caf::actor_system& sys, const client_context& ctx,
                                   const client_options& options);

/// An Agent client; caller type is always agent.
caf::expected<agent_actor>
spawn_agent(caf::actor_system& sys, const client_context& ctx, client_options options);

} // namespace alter
