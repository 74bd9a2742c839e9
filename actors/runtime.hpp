// The entry point for hosts that run their own actor system: one transport (I/O
// threads and connection pools) shared by every client spawned through it.
//
//   caf::actor_system sys{cfg};
//   alter::runtime rt{sys};
//   auto agent = rt.spawn_agent({.api_key = key, .base_url = url});
#pragma once

#include "caf/expected.hpp"
#include "caf/fwd.hpp"

#include "actors/client_actors.hpp"
#include "actors/client_options.hpp"
#include "actors/clients.hpp"
#include "net/transport.hpp"

namespace alter {

class runtime {
public:
  explicit runtime(caf::actor_system& sys, net::transport_options options = {},
                   net::retry_budget_options budget = {});

  /// Shuts the transport down: calls still in flight fail, pools close.
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  caf::expected<app_actor> spawn_app(const client_options& options);
  caf::expected<agent_actor> spawn_agent(const client_options& options);

  const net::transport_actor& transport() const noexcept {
    return context_.transport;
  }

  /// The transport and the retry budgets shared by this runtime's clients.
  const client_context& context() const noexcept {
    return context_;
  }

  caf::actor_system& system() noexcept {
    return sys_;
  }

private:
  caf::actor_system& sys_;
  client_context context_;
};

} // namespace alter
