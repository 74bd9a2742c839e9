#include "alter/net/transport.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "alter/net/io_runtime.hpp"

namespace alter::net {

namespace {

struct transport_state {
  transport_options options;
  std::shared_ptr<io_runtime> io;
  struct pool_entry {
    std::string origin;
    connection_pool_actor actor;
  };
  std::unordered_map<std::string, pool_entry> pools;

  static inline const char* name = "alter.transport";
};

using transport_pointer = transport_actor::stateful_pointer<transport_state>;

/// The pool for `where`, spawned and linked on first use.
caf::expected<connection_pool_actor> pool_for(transport_pointer self,
                                              const endpoint& where) {
  auto& st = self->state;
  auto key = where.pool_key();
  if (auto i = st.pools.find(key); i != st.pools.end())
    return i->second.actor;
  connection_factory factory;
  auto stats = std::make_shared<connection_stats>();
  try {
    factory = make_beast_connection_factory(st.io, where, st.options.limits, stats);
  } catch (const std::exception& e) {
    return to_caf_error(make_error(error_code::tls_error, e.what()));
  }
  auto pool = spawn_connection_pool(self->system(), where, st.options.pool,
                                    std::move(factory), std::move(stats));
  self->link_to(pool);
  st.pools.emplace(std::move(key), transport_state::pool_entry{where.origin(), pool});
  return pool;
}

/// Asks every pool for its load and answers once all have (a pool that is
/// gone is left out).
caf::result<std::vector<pool_state>> pool_states(transport_pointer self) {
  auto promise = self->make_response_promise<std::vector<pool_state>>();
  auto& pools = self->state.pools;
  if (pools.empty()) {
    promise.deliver(std::vector<pool_state>{});
    return promise;
  }
  struct gathering {
    std::vector<pool_state> states;
    std::size_t waiting = 0;
  };
  auto g = std::make_shared<gathering>();
  g->waiting = pools.size();
  auto one_done = [g, promise]() mutable {
    if (--g->waiting > 0)
      return;
    std::sort(g->states.begin(), g->states.end(),
              [](const auto& a, const auto& b) { return a.origin < b.origin; });
    promise.deliver(std::move(g->states));
  };
  for (const auto& [key, entry] : pools)
    self->request(entry.actor, caf::infinite, credit_atom_v)
        .then(
            [g, one_done, origin = entry.origin](pool_stats& s) mutable {
              g->states.push_back({origin, s});
              one_done();
            },
            [one_done](caf::error&) mutable { one_done(); });
  return promise;
}

transport_actor::behavior_type transport(transport_pointer self,
                                         transport_options options) {
  self->state.options = options;
  self->state.io = std::make_shared<io_runtime>(options.io_threads);
  return {
      [=](exchange_atom, const endpoint& where,
          http_request& request) -> caf::result<http_response> {
        auto pool = pool_for(self, where);
        if (!pool)
          return std::move(pool.error());
        return self->delegate(*pool, exchange_atom_v, std::move(request));
      },
      [=](credit_atom, const endpoint& where) -> caf::result<pool_stats> {
        auto pool = pool_for(self, where);
        if (!pool)
          return std::move(pool.error());
        return self->delegate(*pool, credit_atom_v);
      },
      [=](pool_states_atom) { return pool_states(self); },
  };
}

} // namespace

transport_actor spawn_transport(caf::actor_system& sys, transport_options options) {
  return sys.spawn(transport, options);
}

} // namespace alter::net
