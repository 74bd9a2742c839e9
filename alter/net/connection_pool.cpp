#include "alter/net/connection_pool.hpp"

#include <deque>
#include <unordered_map>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "alter/net/idle_connections.hpp"

namespace alter::net {

namespace {

using time_point = caf::actor_clock::time_point;

struct waiting_call {
  http_request request;
  caf::typed_response_promise<http_response> promise;
  time_point deadline;
};

struct running_call {
  std::shared_ptr<http_connection> connection;
  waiting_call call;
};

struct pool_state {
  endpoint where;
  pool_options options;
  connection_factory factory;
  /// Replaced by one sized from the options when the pool starts.
  idle_connections idle{pool_options{}.idle_timeout, pool_options{}.max_connections};
  std::unordered_map<uint64_t, running_call> running;
  std::deque<waiting_call> queue;
  uint64_t next_id = 1;
  std::shared_ptr<connection_stats> stats;
  /// Consecutive failed connection attempts, and when the next may start.
  int connect_failures = 0;
  time_point reconnect_after{};

  static inline const char* name = "alter.connection-pool";
};

using pool_pointer = connection_pool_actor::stateful_pointer<pool_state>;

/// How often queued calls are checked against their deadlines.
constexpr auto queue_sweep_interval = std::chrono::milliseconds{100};

time_point now(pool_pointer self) {
  return self->clock().now();
}

alter_error timeout_error(const pool_state& st) {
  return make_error(error_code::timeout, "no connection to " + st.where.origin()
                                             + " became free before the deadline");
}

/// An idle connection, else a new one unless a reconnect backoff is running
/// (then nullptr).
std::shared_ptr<http_connection> take_connection(pool_pointer self) {
  auto& st = self->state;
  if (auto idle = st.idle.take(now(self)))
    return idle;
  if (now(self) < st.reconnect_after)
    return nullptr;
  return st.factory();
}

/// Tracks whether connecting works, to back off from an origin that refuses.
void note_connect(pool_pointer self, const exchange_outcome& outcome) {
  auto& st = self->state;
  bool connect_failed = !outcome.ok && !outcome.reused && !outcome.request_sent
                        && (outcome.error.code == error_code::network_error
                            || outcome.error.code == error_code::timeout);
  if (!connect_failed) {
    if (outcome.ok)
      st.connect_failures = 0;
    return;
  }
  ++st.connect_failures;
  auto exponent = std::min(st.connect_failures - 1, 16);
  auto delay = std::min(st.options.reconnect_base_delay * (int64_t{1} << exponent),
                        st.options.reconnect_max_delay);
  st.reconnect_after = now(self) + delay;
}

void start(pool_pointer self, waiting_call call,
           std::shared_ptr<http_connection> connection = nullptr) {
  auto& st = self->state;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(call.deadline
                                                                         - now(self));
  if (remaining.count() <= 0) {
    call.promise.deliver(to_caf_error(timeout_error(st)));
    return;
  }
  if (!connection) {
    connection = take_connection(self);
    if (!connection) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          st.reconnect_after - now(self));
      auto e
          = make_error(error_code::network_error,
                       "connecting to " + st.where.origin() + " failed recently; "
                           + "next attempt in " + std::to_string(wait.count()) + " ms",
                       R"({"request_sent":false})");
      call.promise.deliver(to_caf_error(std::move(e)));
      return;
    }
  }
  auto id = st.next_id++;
  auto request = call.request;
  st.running.emplace(id, running_call{connection, std::move(call)});
  caf::weak_actor_ptr weak = self->ctrl();
  connection->async_exchange(
      std::move(request), remaining, [weak, id](exchange_outcome outcome) {
        // Runs on an I/O thread: only a message may reach the actor from here.
        if (auto strong = weak.lock())
          caf::anon_send(caf::actor_cast<connection_pool_actor>(strong),
                         connection_done{id, std::move(outcome)});
      });
}

bool has_capacity(const pool_state& st) {
  return st.running.size() < st.options.max_connections;
}

void drain_queue(pool_pointer self) {
  auto& st = self->state;
  while (!st.queue.empty() && has_capacity(st)) {
    auto call = std::move(st.queue.front());
    st.queue.pop_front();
    start(self, std::move(call));
  }
}

void on_done(pool_pointer self, connection_done& done) {
  auto& st = self->state;
  auto i = st.running.find(done.connection_id);
  if (i == st.running.end())
    return;
  auto entry = std::move(i->second);
  st.running.erase(i);
  auto& outcome = done.outcome;
  note_connect(self, outcome);
  if (outcome.ok) {
    st.idle.put(std::move(entry.connection), now(self));
    entry.call.promise.deliver(std::move(outcome.response));
  } else {
    // Whether the request reached the wire decides whether it may be retried.
    outcome.error.details_json = outcome.request_sent ? R"({"request_sent":true})"
                                                      : R"({"request_sent":false})";
    entry.call.promise.deliver(to_caf_error(std::move(outcome.error)));
  }
  drain_queue(self);
}

/// Fails every call the pool holds: CAF 0.17 sends nothing for a promise that is
/// dropped, so a caller would otherwise wait forever.
void fail_all(pool_pointer self, const alter_error& why) {
  auto& st = self->state;
  for (auto& entry : st.running) {
    entry.second.connection->close();
    entry.second.call.promise.deliver(to_caf_error(why));
  }
  st.running.clear();
  for (auto& call : st.queue)
    call.promise.deliver(to_caf_error(why));
  st.queue.clear();
  st.idle.close_all();
}

/// Fails queued calls whose deadline passed while they waited for a connection.
void expire_queued(pool_pointer self) {
  auto& st = self->state;
  auto now_ = now(self);
  for (auto i = st.queue.begin(); i != st.queue.end();) {
    if (i->deadline <= now_) {
      i->promise.deliver(to_caf_error(timeout_error(st)));
      i = st.queue.erase(i);
    } else {
      ++i;
    }
  }
}

connection_pool_actor::behavior_type
connection_pool(pool_pointer self, endpoint where, pool_options options,
                connection_factory factory, std::shared_ptr<connection_stats> stats) {
  self->state.stats = stats ? std::move(stats) : std::make_shared<connection_stats>();
  self->state.where = std::move(where);
  self->state.options = options;
  self->state.idle = idle_connections{options.idle_timeout, options.max_connections};
  self->state.factory = std::move(factory);
  self->set_exit_handler([=](caf::exit_msg& msg) {
    fail_all(self,
             make_error(error_code::client_closed, "the transport has shut down"));
    self->quit(msg.reason);
  });
  return {
      [=](exchange_atom, http_request& request) -> caf::result<http_response> {
        auto& st = self->state;
        // Refuse before making a promise: once a promise exists, CAF 0.17 drops
        // whatever the handler returns.
        if (!has_capacity(st) && st.queue.size() >= st.options.max_queue)
          return to_caf_error(
              make_error(error_code::overloaded,
                         "connection pool for " + st.where.origin() + " is full ("
                             + std::to_string(st.running.size()) + " calls running, "
                             + std::to_string(st.queue.size()) + " queued)"));
        auto timeout = request.timeout_ms > 0
                           ? std::chrono::milliseconds{request.timeout_ms}
                           : st.options.default_timeout;
        waiting_call call{std::move(request),
                          self->make_response_promise<http_response>(),
                          now(self) + timeout};
        auto promise = call.promise;
        if (has_capacity(st)) {
          start(self, std::move(call));
        } else {
          if (st.queue.empty())
            self->delayed_send(self, queue_sweep_interval, sweep_atom_v);
          st.queue.push_back(std::move(call));
        }
        return promise;
      },
      [=](credit_atom) -> pool_stats {
        const auto& st = self->state;
        pool_stats stats;
        stats.max_connections = static_cast<int64_t>(st.options.max_connections);
        stats.max_queue = static_cast<int64_t>(st.options.max_queue);
        stats.in_flight = static_cast<int64_t>(st.running.size());
        stats.queued = static_cast<int64_t>(st.queue.size());
        stats.idle = static_cast<int64_t>(st.idle.size());
        stats.opened = st.stats->opened.load();
        stats.tls_resumed = st.stats->tls_resumed.load();
        stats.reconnect_backoff_ms = std::max<int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(st.reconnect_after
                                                                     - now(self))
                   .count());
        return stats;
      },
      [=](connection_done& done) { on_done(self, done); },
      [=](sweep_atom) {
        expire_queued(self);
        if (!self->state.queue.empty())
          self->delayed_send(self, queue_sweep_interval, sweep_atom_v);
      },
  };
}

} // namespace

connection_pool_actor spawn_connection_pool(caf::actor_system& sys, endpoint where,
                                            pool_options options,
                                            connection_factory factory,
                                            std::shared_ptr<connection_stats> stats) {
  return sys.spawn(connection_pool, std::move(where), options, std::move(factory),
                   std::move(stats));
}

} // namespace alter::net
