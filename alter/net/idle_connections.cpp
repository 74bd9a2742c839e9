#include "alter/net/idle_connections.hpp"

#include <algorithm>

namespace alter::net {

idle_connections::idle_connections(std::chrono::milliseconds idle_timeout,
                                   std::size_t capacity)
    : idle_timeout_(idle_timeout), capacity_(capacity) {
}

void idle_connections::put(std::shared_ptr<http_connection> c, time_point now) {
  close_expired(now);
  if (idle_.size() >= capacity_ || !c->reusable()) {
    c->close();
    return;
  }
  idle_.push_back({std::move(c), now});
}

std::shared_ptr<http_connection> idle_connections::take(time_point now) {
  close_expired(now);
  while (!idle_.empty()) {
    auto c = std::move(idle_.back().connection);
    idle_.pop_back();
    // reusable() also looks at the socket: a peer that closed is seen here.
    if (c->reusable())
      return c;
    c->close();
  }
  return nullptr;
}

void idle_connections::close_all() {
  for (auto& e : idle_)
    e.connection->close();
  idle_.clear();
}

void idle_connections::close_expired(time_point now) {
  auto fresh = std::find_if(idle_.begin(), idle_.end(), [&](const entry& e) {
    return now - e.since < idle_timeout_;
  });
  std::for_each(idle_.begin(), fresh, [](entry& e) { e.connection->close(); });
  idle_.erase(idle_.begin(), fresh);
}

} // namespace alter::net
