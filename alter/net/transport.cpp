#include "alter/net/transport.hpp"

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
  std::unordered_map<std::string, connection_pool_actor> pools;

  static inline const char* name = "alter.transport";
};

using transport_pointer = transport_actor::stateful_pointer<transport_state>;

/// The pool for `where`, spawned and linked on first use.
caf::expected<connection_pool_actor> pool_for(transport_pointer self,
                                              const endpoint& where) {
  auto& st = self->state;
  auto key = where.pool_key();
  if (auto i = st.pools.find(key); i != st.pools.end())
    return i->second;
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
  st.pools.emplace(std::move(key), pool);
  return pool;
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
  };
}

} // namespace

transport_actor spawn_transport(caf::actor_system& sys, transport_options options) {
  return sys.spawn(transport, options);
}

} // namespace alter::net
