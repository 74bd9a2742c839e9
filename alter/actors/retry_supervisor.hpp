// The retry supervisor: one short-lived actor per backend call. It signs and
// sends each attempt (a fresh nonce and timestamp every time; the
// Idempotency-Key stays), classifies failures, waits with full-jitter backoff or
// the backend's Retry-After, asks the origin's shared retry budget before every
// retry, never waits past the call's deadline, and answers once with the final
// response or error and a RetryInfo.
#pragma once

#include <memory>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "alter/actors/backend_exchange.hpp"
#include "alter/actors/client_settings.hpp"
#include "alter/actors/retry_policy.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/net/retry_budget.hpp"
#include "alter/net/transport.hpp"

namespace alter {

using run_atom = caf::atom_constant<caf::atom("run")>;
using attempt_atom = caf::atom_constant<caf::atom("attempt")>;

/// Everything a supervisor needs besides the call itself; shared by a client's
/// supervisors.
class client_registry;

struct supervision {
  std::shared_ptr<const client_settings> settings;
  net::transport_actor transport;
  std::shared_ptr<net::retry_budget> budget;
  retry_options options;
  /// The runtime's clients, which each client joins when it starts; null for
  /// clients made outside a runtime.
  std::shared_ptr<client_registry> registry;
};

using retry_supervisor_actor = caf::typed_actor<
    /// Runs the call: the final HTTP answer (any status) with its RetryInfo, or
    /// the last transport error with the RetryInfo inside.
    caf::replies_to<run_atom>::with<http_response>,
    /// Internal: the backoff elapsed.
    caf::reacts_to<attempt_atom>>;

/// Spawns a supervisor for one call; send it run_atom once.
retry_supervisor_actor spawn_retry_supervisor(caf::local_actor* parent,
                                              std::shared_ptr<const supervision> sup,
                                              backend_call call, call_kind kind);

} // namespace alter
