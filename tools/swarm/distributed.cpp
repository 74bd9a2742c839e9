#include "tools/swarm/distributed.hpp"

#include <iostream>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/stateful_actor.hpp"

namespace alter::swarm {

namespace {

using join_atom = caf::atom_constant<caf::atom("join")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using wait_atom = caf::atom_constant<caf::atom("wait")>;

/// Every type that crosses the wire, in both processes.
void configure(caf::actor_system_config& cfg, bool tls) {
  cfg.add_message_type<scenario>("alter.swarm.scenario");
  cfg.add_message_type<swarm_target>("alter.swarm.target");
  cfg.add_message_type<swarm_report>("alter.swarm.report");
  cfg.load<caf::io::middleman>();
  if (tls)
    cfg.load<caf::openssl::manager>();
  cfg.set("logger.console", caf::atom("none"));
}

struct coordinator_state {
  scenario plan;
  swarm_target target;
  std::size_t workers = 0;
  std::vector<caf::response_promise> joined;
  std::size_t reported = 0;
  swarm_report merged;
  caf::response_promise done;

  static inline const char* name = "alter.swarm-coordinator";
};

/// Hands every worker its share once all have joined: agents split evenly,
/// each worker with a window proportional to its share.
void hand_out(caf::stateful_actor<coordinator_state>* self) {
  auto& st = self->state;
  auto n = st.target.agents.size();
  for (std::size_t w = 0; w < st.workers; ++w) {
    auto begin = n * w / st.workers;
    auto end = n * (w + 1) / st.workers;
    swarm_target share = st.target;
    share.agents.assign(st.target.agents.begin() + static_cast<std::ptrdiff_t>(begin),
                        st.target.agents.begin() + static_cast<std::ptrdiff_t>(end));
    auto part = st.plan;
    part.agents = end - begin;
    part.concurrency = std::max<uint64_t>(1, st.plan.concurrency / st.workers);
    part.seed = st.plan.seed + w;
    st.joined[w].deliver(part, share);
  }
}

caf::behavior coordinator(caf::stateful_actor<coordinator_state>* self, scenario plan,
                          swarm_target target, std::size_t workers) {
  self->state.plan = std::move(plan);
  self->state.target = std::move(target);
  self->state.workers = workers;
  self->state.merged.scenario = self->state.plan.name;
  self->state.merged.workers = workers;
  self->state.merged.budget_min = 0;
  return {
      [=](join_atom) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (st.joined.size() >= st.workers) {
          rp.deliver(caf::make_error(caf::sec::unexpected_message));
          return rp;
        }
        st.joined.push_back(rp);
        if (st.joined.size() == st.workers)
          hand_out(self);
        return rp;
      },
      [=](result_atom, const swarm_report& part) -> bool {
        auto& st = self->state;
        auto workers_before = st.merged.workers;
        merge(st.merged, part);
        st.merged.workers = workers_before;
        if (++st.reported == st.workers && st.done.pending())
          st.done.deliver(st.merged);
        return true;
      },
      [=](wait_atom) {
        self->state.done = self->make_response_promise();
        return self->state.done;
      },
  };
}

} // namespace

std::optional<swarm_report> coordinate(const scenario& s, const swarm_target& target,
                                       std::size_t workers, const cluster_options& opts,
                                       const std::function<void(uint16_t)>& listening,
                                       std::string& error) {
  caf::actor_system_config cfg;
  configure(cfg, opts.tls);
  caf::actor_system sys{cfg};
  auto coord = sys.spawn(coordinator, s, target, workers);
  auto port
      = opts.tls
            ? caf::openssl::publish(coord, opts.port, opts.address.c_str(), true)
            : sys.middleman().publish(coord, opts.port, opts.address.c_str(), true);
  if (!port) {
    error = "cannot listen on " + opts.address + ": " + sys.render(port.error());
    caf::anon_send_exit(coord, caf::exit_reason::user_shutdown);
    return std::nullopt;
  }
  listening(*port);
  caf::scoped_actor self{sys};
  std::optional<swarm_report> out;
  // Joining, driving and reporting must all fit: the join timeout plus the
  // scenario's own length, generously.
  auto limit = std::chrono::seconds{opts.join_timeout.count() + 86400};
  self->request(coord, limit, wait_atom::value)
      .receive([&](swarm_report& r) { out = std::move(r); },
               [&](caf::error& e) { error = "the cluster failed: " + sys.render(e); });
  caf::anon_send_exit(coord, caf::exit_reason::user_shutdown);
  return out;
}

bool work(const std::string& host, uint16_t port, bool tls, std::string& error) {
  caf::actor_system_config cfg;
  configure(cfg, tls);
  caf::actor_system sys{cfg};
  auto coord = tls ? caf::openssl::remote_actor(sys, host, port)
                   : sys.middleman().remote_actor(host, port);
  if (!coord) {
    error = "cannot reach the coordinator at " + host + ":" + std::to_string(port)
            + ": " + sys.render(coord.error());
    return false;
  }
  caf::scoped_actor self{sys};
  scenario plan;
  swarm_target share;
  bool joined = false;
  self->request(*coord, std::chrono::seconds{3600}, join_atom::value)
      .receive(
          [&](scenario& s, swarm_target& t) {
            plan = std::move(s);
            share = std::move(t);
            joined = true;
          },
          [&](caf::error& e) { error = "the coordinator refused: " + sys.render(e); });
  if (!joined)
    return false;
  std::cerr << "alter-swarm worker: driving " << share.agents.size() << " agents\n";
  auto report = drive(sys, plan, share, &std::cerr, false);
  // Acknowledged, so the report has arrived before this process goes away.
  bool delivered = false;
  self->request(*coord, std::chrono::seconds{300}, result_atom::value, report)
      .receive([&](bool) { delivered = true; },
               [&](caf::error& e) { error = "the report was lost: " + sys.render(e); });
  return delivered;
}

} // namespace alter::swarm
