// The simulated approver: a person at the approval page. It signs in once with
// an approver token, then decides each held call it is told about after a
// delay, denying a configured share, through the same page and forms a person
// uses (session cookie, CSRF token).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "alter/messages/atoms.hpp"
#include "alter/net/endpoint.hpp"
#include "alter/net/transport.hpp"

namespace alter::swarm {

using decide_atom = caf::atom_constant<caf::atom("decide")>;

struct approver_settings {
  net::transport_actor transport;
  /// The backend (its pages live under /approvals/).
  net::endpoint backend;
  std::string approver_token;
  std::chrono::milliseconds delay{20};
  double deny_ratio = 0.25;
  uint64_t seed = 1;
};

using approver_actor = caf::typed_actor<
    /// Decide this approval after the delay: true when it was approved.
    caf::replies_to<decide_atom, std::string>::with<bool>,
    caf::reacts_to<timer_atom, uint64_t>>;

approver_actor spawn_approver(caf::actor_system& sys, approver_settings settings);

} // namespace alter::swarm
