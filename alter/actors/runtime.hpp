// The entry point for hosts that run their own actor system: one transport (I/O
// threads and connection pools) shared by every client spawned through it.
//
//   caf::actor_system sys{cfg};
//   alter::runtime rt{sys};
//   auto agent = rt.spawn_agent({.api_key = key, .base_url = url});
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

#include "caf/expected.hpp"
#include "caf/fwd.hpp"

#include "alter/actors/client_actors.hpp"
#include "alter/actors/client_options.hpp"
#include "alter/actors/clients.hpp"
#include "alter/actors/runtime_stats.hpp"
#include "alter/net/transport.hpp"

namespace alter {

class runtime {
public:
  explicit runtime(caf::actor_system& sys, net::transport_options options = {},
                   net::retry_budget_options budget = {});

  /// shutdown(), unless it ran already.
  ~runtime();

  /// Drains every client spawned through this runtime (sub-clients too) as
  /// close() does, waiting at most `bound`: calls in flight finish and
  /// pending audit reports are written; then the transport shuts down and
  /// its pools close. Returns how many clients drained in time. Later calls
  /// of clients of this runtime fail with client_closed. It blocks: call it
  /// (or destroy the runtime) from a thread of your own, not inside an actor.
  std::size_t shutdown(std::chrono::milliseconds bound = std::chrono::seconds{30});

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  caf::expected<app_actor> spawn_app(const client_options& options);
  caf::expected<agent_actor> spawn_agent(const client_options& options);

  const net::transport_actor& transport() const noexcept {
    return context_.transport;
  }

  /// Its pools' load and its retry budgets (runtime_stats.hpp, also as
  /// Prometheus text). It blocks for the transport's answer: call it from a
  /// thread of your own, not inside an actor (there, ask the transport for
  /// pool_states_atom and read context().budgets->states()).
  caf::expected<runtime_stats> stats(std::chrono::milliseconds timeout
                                     = std::chrono::seconds{5}) const {
    return collect_runtime_stats(sys_, context_, timeout);
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
  std::atomic<bool> shut_down_{false};
};

} // namespace alter
