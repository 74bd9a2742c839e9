// The clients one runtime made, sub-clients included, so that shutting the
// runtime down drains each as close() does: calls in flight finish, pending
// audit reports are written. Weak handles only: the registry never keeps a
// client alive.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/weak_intrusive_ptr.hpp"

namespace alter {

class client_registry {
public:
  void add(const caf::actor& client);

  /// Sends close to every client still alive and waits until all have
  /// drained, at most `bound` in all. Returns how many drained in time.
  std::size_t drain(caf::actor_system& sys, std::chrono::milliseconds bound);

  /// Clients registered and not yet gone (for tests and stats).
  std::size_t live();

private:
  std::mutex mtx_;
  std::vector<caf::weak_actor_ptr> clients_;
  /// Dead entries are pruned when the list reaches this size.
  std::size_t prune_at_ = 64;
};

} // namespace alter
