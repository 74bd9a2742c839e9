#include "alter/actors/client_registry.hpp"

#include <algorithm>

#include "caf/actor.hpp"
#include "caf/actor_cast.hpp"
#include "caf/scoped_actor.hpp"

#include "alter/messages/atoms.hpp"

namespace alter {

void client_registry::add(const caf::actor& client) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (clients_.size() >= prune_at_) {
    clients_.erase(
        std::remove_if(clients_.begin(), clients_.end(),
                       [](const caf::weak_actor_ptr& w) { return !w.lock(); }),
        clients_.end());
    // Pruning again only once the list doubled keeps add() amortised O(1).
    prune_at_ = std::max<std::size_t>(64, clients_.size() * 2);
  }
  clients_.emplace_back(caf::actor_cast<caf::weak_actor_ptr>(client));
}

std::size_t client_registry::live() {
  std::lock_guard<std::mutex> guard{mtx_};
  return static_cast<std::size_t>(
      std::count_if(clients_.begin(), clients_.end(), [](const caf::weak_actor_ptr& w) {
        return static_cast<bool>(w.lock());
      }));
}

std::size_t client_registry::drain(caf::actor_system& sys,
                                   std::chrono::milliseconds bound) {
  std::vector<caf::actor> alive;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& w : clients_)
      if (auto strong = w.lock())
        alive.push_back(caf::actor_cast<caf::actor>(std::move(strong)));
    clients_.clear();
  }
  caf::scoped_actor self{sys};
  // Every close goes out first, so the clients drain side by side; each
  // request's timeout started with it, so the waits below add up to `bound`.
  std::vector<decltype(self->request(caf::actor{}, bound, close_atom_v))> replies;
  replies.reserve(alive.size());
  for (const auto& client : alive)
    replies.push_back(self->request(client, bound, close_atom_v));
  std::size_t drained = 0;
  for (auto& reply : replies)
    reply.receive([&](bool) { ++drained; }, [](caf::error&) {});
  return drained;
}

} // namespace alter
