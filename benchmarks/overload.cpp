// Overload: what a pool with a bounded queue does when offered 1x and 10x the
// calls it can hold. Accepted calls keep their latency; the rest are refused at
// once with `overloaded` instead of queueing without bound.
//
//   build/benchmarks/alter_overload_bench [seconds per run, default 3]
#include <cstdio>
#include <cstdlib>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"

#include "alter/actors/runtime.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/net/url.hpp"
#include "tools/swarm/swarm_driver.hpp"

int main(int argc, char** argv) {
  auto seconds = argc > 1 ? std::atoi(argv[1]) : 3;
  if (seconds < 1 || seconds > 600) {
    std::fprintf(stderr, "usage: alter_overload_bench [seconds 1-600]\n");
    return 2;
  }
  alter::backend::backend_options bopts;
  bopts.tls = false;
  alter::backend::local_backend backend{bopts};
  alter::backend::bootstrap_spec spec;
  spec.agents = 50;
  auto keys = alter::backend::bootstrap(backend.db(), spec);

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  alter::net::transport_options topts;
  topts.pool.max_connections = 8;
  topts.pool.max_queue = 32;
  const auto capacity = topts.pool.max_connections + topts.pool.max_queue;
  alter::runtime rt{sys, topts};
  std::vector<alter::swarm::swarm_agent> agents;
  for (const auto& a : keys.agents) {
    alter::client_options o;
    o.api_key = a.api_key;
    o.base_url = backend.base_url();
    agents.push_back({*rt.spawn_agent(o), a.grant_ids});
  }
  std::printf("pool: %zu connections + %zu queued = capacity %zu; proxy_request "
              "over plain HTTP, %d s per run\n\n",
              topts.pool.max_connections, topts.pool.max_queue, capacity, seconds);
  std::printf("| offered | in flight | accepted calls/s | accepted p50 ms | accepted "
              "p99 ms | refused | refusal p50 ms | refusal p99 ms |\n"
              "|---|---|---|---|---|---|---|---|\n");
  struct run {
    int factor;
    bool credit;
  };
  for (auto [factor, credit] : {run{1, false}, run{10, false}, run{10, true}}) {
    alter::swarm::swarm_plan plan;
    if (credit) {
      // The producer asks the pool how much it accepts instead of being refused.
      plan.transport = rt.transport();
      plan.backend = alter::net::parse_url(backend.base_url())->where;
    }
    plan.agents = agents;
    for (const auto& p : spec.providers)
      plan.provider_urls.push_back(backend.provider_base_url() + "/" + p);
    plan.duration = std::chrono::seconds{seconds};
    plan.concurrency = capacity * factor;
    plan.mix = {0, 1, 0, 0, 0, 0}; // proxied calls only
    plan.path_tag = "x" + std::to_string(factor) + (credit ? "c" : "");
    auto r = alter::swarm::run_swarm(sys, plan);
    const auto& ok = r.latency["proxy"];
    const auto& refused = r.error_latency["overloaded"];
    std::printf("| %dx%s | %zu | %.0f | %.2f | %.2f | %zu | %.3f | %.3f |\n", factor,
                credit ? " (credit)" : "", plan.concurrency,
                static_cast<double>(ok.count()) / r.seconds, ok.percentile(0.5),
                ok.percentile(0.99), refused.count(), refused.percentile(0.5),
                refused.percentile(0.99));
    for (const auto& [code, n] : r.errors)
      if (code != "overloaded")
        std::printf("  (unexpected: %zu x %s)\n", n, code.c_str());
  }
  return 0;
}
