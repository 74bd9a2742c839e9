// Resilience over real loopback sockets with faults injected into the backend:
// exactly-once proxy execution, thousands of calls under mixed faults, and an
// outage that the retry budget keeps from multiplying.
#define CAF_SUITE faults
#include "caf/test/unit_test.hpp"

#include <thread>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"

#include "alter/actors/blocking_client.hpp"
#include "alter/actors/runtime.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/net/url.hpp"

#include "backend_world.hpp"
#include "tools/swarm/swarm_driver.hpp"

using namespace alter;
using namespace std::chrono_literals;
using backend::fault_kind;
using backend::fault_rule;

namespace {

/// A plain-HTTP backend, a runtime, and agent actors for its bootstrapped agents.
struct world {
  backend::local_backend backend{options()};
  backend::bootstrap_result keys;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::unique_ptr<runtime> rt;
  std::vector<agent_actor> agents;

  explicit world(int n_agents, net::retry_budget_options budget = {}) {
    backend::bootstrap_spec spec;
    spec.agents = n_agents;
    keys = backend::bootstrap(backend.db(), spec);
    rt = std::make_unique<runtime>(sys, net::transport_options{}, budget);
    for (const auto& a : keys.agents) {
      client_options o;
      o.api_key = a.api_key;
      o.base_url = backend.base_url();
      o.timeout = 10;
      auto agent = rt->spawn_agent(o);
      CAF_REQUIRE(agent);
      agents.push_back(*agent);
    }
  }

  static backend::backend_options options() {
    backend::backend_options o;
    o.tls = false;
    o.fault_seed = 7;
    return o;
  }

  /// Calls spread over all agents, each to its own path of sim-bearer.
  swarm::swarm_plan plan(std::size_t calls) const {
    swarm::swarm_plan p;
    for (std::size_t i = 0; i < agents.size(); ++i)
      p.agents.push_back({agents[i], {keys.agents[i].grant_ids[0]}});
    p.provider_urls = {backend.provider_base_url() + "/sim-bearer"};
    p.calls_per_agent = calls / agents.size();
    return p;
  }

  swarm::swarm_report run(swarm::swarm_plan p) {
    return swarm::run_swarm(sys, std::move(p));
  }

  /// The number of running actors once it stopped changing for half a second
  /// (retrieve-mode calls send their audit reports shortly after they end).
  std::size_t settled_actor_count() {
    auto last = sys.registry().running();
    auto stable_since = std::chrono::steady_clock::now();
    auto give_up = stable_since + 10s;
    while (std::chrono::steady_clock::now() - stable_since < 500ms
           && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(20ms);
      auto now = sys.registry().running();
      if (now != last) {
        last = now;
        stable_since = std::chrono::steady_clock::now();
      }
    }
    return last;
  }

  net::pool_stats pool_of(const std::string& url) {
    auto where = net::parse_url(url)->where;
    caf::scoped_actor self{sys};
    net::pool_stats out;
    self->request(rt->transport(), caf::infinite, credit_atom_v, where)
        .receive([&](net::pool_stats& s) { out = s; },
                 [&](caf::error& e) { CAF_FAIL("credit failed: " << to_string(e)); });
    return out;
  }
};

} // namespace

CAF_TEST(a proxied call executes once even when its answer is lost) {
  backend::local_backend b{world::options()};
  auto keys = backend::bootstrap(b.db(), {});
  // The backend executes the call, then the connection dies before the answer.
  b.faults().add_rule(
      {"/v1/proxy/execute", fault_kind::reset_after, 1.0, 0, 0, 0ms, 1});
  client_options o;
  o.api_key = keys.agents[0].api_key;
  o.base_url = b.base_url();
  blocking::Agent agent{o};
  provider_call call;
  call.method = "POST";
  call.url = b.provider_base_url() + "/sim-bearer/orders";
  call.json = R"({"item":"book"})";
  call.grant_id = keys.agents[0].grant_ids[0];
  auto out = agent.proxy_request(call);
  CAF_CHECK_EQUAL(out.result.status_code, 200);
  CAF_CHECK_EQUAL(out.retries.attempts, 2);
  CAF_CHECK_EQUAL(b.hits().count("/sim-bearer/orders"), 1);
  auto rows = alter::testing::calls_audited(b.db());
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].action, "proxy.executed");
  CAF_CHECK_EQUAL(rows[1].action, "proxy.replayed");
  auto counts = b.faults().counts();
  CAF_CHECK_EQUAL(counts[fault_kind::reset_after], 1);
}

CAF_TEST(ten thousand calls under twenty percent faults each end exactly once) {
  world w{20};
  const std::string p = "/v1/";
  w.backend.faults().set_rules({
      {p, fault_kind::latency, 0.03, 0, 0, 20ms},
      {p, fault_kind::status, 0.03, 429, 0},
      {p, fault_kind::status, 0.02, 500, 0},
      {p, fault_kind::status, 0.02, 502, 0},
      {p, fault_kind::status, 0.03, 503, 0},
      {p, fault_kind::status, 0.02, 504, 0},
      {p, fault_kind::reset_before, 0.02},
      {p, fault_kind::reset_after, 0.015},
      {p, fault_kind::truncate_body, 0.01},
      {p, fault_kind::slow_body, 0.005, 0, 0, 20ms},
  });
  // Warm up: pools exist, so the actor count below is the steady state.
  auto warm = w.plan(40);
  warm.path_tag = "warm-up";
  w.run(warm);
  auto actors_before = w.settled_actor_count();
  auto r = w.run(w.plan(10000));
  CAF_CHECK_EQUAL(r.calls, 10000u);
  std::size_t failed = 0;
  for (const auto& [code, n] : r.errors) {
    CAF_MESSAGE(code << ": " << n);
    failed += n;
  }
  CAF_CHECK_EQUAL(r.succeeded + failed, 10000u);
  CAF_MESSAGE("succeeded " << r.succeeded << ", retries " << r.retries);
  // Retries turn most faults into successes; what fails carries a typed code.
  CAF_CHECK_GREATER(r.succeeded, 9000u);
  CAF_CHECK_GREATER(r.retries, 500u);
  CAF_CHECK_EQUAL(r.errors.count("unknown_error") + r.errors.count("client_closed"),
                  0u);
  // No upstream request ran twice, whatever was retried.
  CAF_CHECK_EQUAL(w.backend.hits().max_count(), 1);
  auto counts = w.backend.faults().counts();
  for (auto kind :
       {fault_kind::latency, fault_kind::status, fault_kind::reset_before,
        fault_kind::reset_after, fault_kind::truncate_body, fault_kind::slow_body})
    CAF_CHECK_GREATER(counts[kind], 0);
  // Nothing leaked: every per-call supervisor gone (once the background audit
  // reports are sent), pools idle.
  CAF_CHECK_EQUAL(w.settled_actor_count(), actors_before);
  auto backend_pool = w.pool_of(w.backend.base_url());
  CAF_CHECK_EQUAL(backend_pool.in_flight, 0);
  CAF_CHECK_EQUAL(backend_pool.queued, 0);
  CAF_CHECK_EQUAL(w.pool_of(w.backend.provider_base_url()).in_flight, 0);
}

CAF_TEST(a five second outage costs no more retries than the budget holds) {
  world w{10};
  CAF_CHECK_EQUAL(w.run(w.plan(20)).succeeded, 20u);
  // The host sees the budget full and the pools that carried the calls.
  auto origin = net::parse_url(w.backend.base_url())->where.origin();
  auto before = w.rt->stats();
  CAF_REQUIRE(before);
  CAF_REQUIRE_EQUAL(before->retry_budgets.size(), 1u);
  CAF_CHECK_EQUAL(before->retry_budgets[0].origin, origin);
  CAF_CHECK_EQUAL(before->retry_budgets[0].tokens, 500);
  CAF_CHECK_EQUAL(before->retry_budgets[0].denied, 0u);
  auto backend_pool = [&](const runtime_stats& s) {
    for (const auto& p : s.pools)
      if (p.origin == origin)
        return p.stats;
    CAF_FAIL("no pool for " << origin);
    return net::pool_stats{};
  };
  CAF_CHECK_GREATER_OR_EQUAL(backend_pool(*before).opened, 1);
  CAF_CHECK_EQUAL(backend_pool(*before).in_flight, 0);
  CAF_CHECK_EQUAL(before->pools.size(), 2u); // the backend and the provider
  // The outage outlasts the run, so no late retry can land after it, however
  // slow the machine is; the clients see five seconds of a dead backend.
  w.backend.faults().start_outage(10min);
  auto during = w.plan(0);
  during.duration = 5s;
  during.concurrency = 32;
  during.path_tag = "outage";
  auto r = w.run(during);
  CAF_MESSAGE(r.calls << " calls during the outage, " << r.retries << " retries");
  // 500 tokens at 5 per retry; nothing succeeds, so nothing is refunded.
  CAF_CHECK_LESS_OR_EQUAL(r.retries, 100u);
  CAF_CHECK_EQUAL(r.succeeded, 0u);
  CAF_CHECK_GREATER(r.calls, 1000u);
  // The budget ran dry and says how many retries it refused.
  auto during_stats = w.rt->stats();
  CAF_REQUIRE(during_stats);
  const auto& budget = during_stats->retry_budgets.at(0);
  CAF_CHECK_LESS(budget.tokens, 5);
  CAF_CHECK_GREATER(budget.denied, 0u);
  auto text = prometheus_text(*during_stats);
  CAF_CHECK_NOT_EQUAL(text.find("alter_sdk_retries_denied_total{origin=\"" + origin
                                + "\"} " + std::to_string(budget.denied) + "\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("# TYPE alter_sdk_pool_in_flight gauge"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(
      text.find("alter_sdk_retry_budget_capacity{origin=\"" + origin + "\"} 500\n"),
      std::string::npos);
  w.backend.faults().end_outage();
  auto after = w.plan(20);
  after.path_tag = "after";
  CAF_CHECK_EQUAL(w.run(after).succeeded, 20u);
}
