// The transport actor: the one door to the network for every client of an actor
// system. It owns the I/O threads and one connection pool per endpoint, created on
// first use, and hands each exchange to the right pool.
#pragma once

#include <cstddef>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "alter/messages/atoms.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/net/connection_pool.hpp"
#include "alter/net/endpoint.hpp"

namespace alter::net {

struct transport_options {
  /// Asio threads for all sockets of this transport.
  std::size_t io_threads = 1;
  pool_options pool;
  client_limits limits;
};

using transport_actor = caf::typed_actor<
    caf::replies_to<exchange_atom, endpoint, http_request>::with<http_response>,
    caf::replies_to<credit_atom, endpoint>::with<pool_stats>,
    /// Every pool's load, by origin (a host's view of the runtime).
    caf::replies_to<pool_states_atom>::with<std::vector<pool_state>>>;

/// Spawns a transport. Its pools are linked to it: shutting the transport down
/// (caf::anon_send_exit) ends them and abandons what they hold.
transport_actor spawn_transport(caf::actor_system& sys, transport_options options = {});

} // namespace alter::net
