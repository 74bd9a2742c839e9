// Macro benchmarks, each against a baseline measured in the same run (absolute
// figures on a shared 2-core machine mean little alone; ratios do):
//
//   1. SDK request() and proxy_request() vs a raw Beast keep-alive client doing
//      the same signed HTTP exchanges over the same number of connections.
//   2. The backend's proxied call vs the same upstream hop made directly.
//   3. Memory per idle Agent client actor (1k, 10k, 100k) and per in-flight call.
//   4. Swarm throughput and p99 as the agent count grows (1k, 10k, 100k).
//
//   build/benchmarks/alter_macro_bench [--seconds S] [--quick] [--out FILE.json]
//   build/benchmarks/alter_macro_bench --seconds 10 --profile-sdk   (under perf)
//
// Prints a markdown table; --out also writes the rows as JSON.
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"

#include "alter/actors/runtime.hpp"
#include "alter/auth/api_key.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/credential_injection.hpp"
#include "alter/net/url.hpp"
#include "benchmarks/raw_http_client.hpp"
#include "benchmarks/result_rows.hpp"
#include "benchmarks/signed_calls.hpp"
#include "tools/swarm/swarm_driver.hpp"
#include "tools/swarm/swarm_target.hpp"

namespace {

using namespace alter;
using clock_type = std::chrono::steady_clock;
using bench::signed_request;

bench::result_rows results;

void add(bench::row r) {
  results.add(std::move(r));
}

uint64_t rss_kib() {
  malloc_trim(0);
  std::ifstream status{"/proc/self/status"};
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      uint64_t kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(1 << 16, '\n');
  }
  return 0;
}

/// Runs `threads` loops of `one_call` for `seconds`; completed calls per second.
double run_threads(std::size_t threads, double seconds,
                   const std::function<std::function<bool()>(std::size_t)>& make_loop) {
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  auto started = clock_type::now();
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      auto one_call = make_loop(t);
      while (!stop.load(std::memory_order_relaxed))
        if (one_call())
          done.fetch_add(1, std::memory_order_relaxed);
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool)
    th.join();
  auto elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
  return static_cast<double>(done.load()) / elapsed;
}

/// The parts of the backend world every throughput comparison shares.
struct bench_world {
  backend::local_backend backend;
  backend::bootstrap_result keys;
  unsigned short api_port;
  unsigned short provider_port;

  static backend::backend_options options() {
    backend::backend_options o;
    o.tls = false; // the same for SDK and baseline; TLS cost is not what we compare
    return o;
  }

  explicit bench_world(int agents) : backend(options()) {
    backend::bootstrap_spec spec;
    spec.agents = agents;
    spec.providers = {"sim-bearer"};
    keys = backend::bootstrap(backend.db(), spec);
    api_port = static_cast<unsigned short>(
        std::stoi(backend.base_url().substr(backend.base_url().rfind(':') + 1)));
    provider_port
        = static_cast<unsigned short>(std::stoi(backend.provider_base_url().substr(
            backend.provider_base_url().rfind(':') + 1)));
  }

  std::string provider_url(std::size_t k) const {
    return backend.provider_base_url() + "/sim-bearer/bench/" + std::to_string(k);
  }
};

std::string proxy_body(const bench_world& w, std::size_t agent, std::size_t k) {
  return bench::proxy_body(w.keys.agents[agent].grant_ids[0], w.provider_url(k), k);
}

/// The SDK side: agent client actors driven with `connections` calls in flight
/// over a pool of `connections` connections.
double sdk_throughput(bench_world& w, std::size_t connections, double seconds,
                      const swarm::call_mix_weights& mix) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  net::transport_options topts;
  topts.pool.max_connections = connections;
  runtime rt{sys, topts};
  swarm::swarm_plan plan;
  plan.mix = mix;
  plan.concurrency = connections;
  plan.duration = std::chrono::milliseconds{static_cast<int64_t>(seconds * 1000)};
  plan.provider_urls = {w.backend.provider_base_url() + "/sim-bearer"};
  plan.path_tag = "bench";
  for (std::size_t a = 0; a < connections; ++a) {
    client_options o;
    o.api_key = w.keys.agents[a].api_key;
    o.base_url = w.backend.base_url();
    plan.agents.push_back({*rt.spawn_agent(o), w.keys.agents[a].grant_ids});
  }
  auto r = swarm::run_swarm(sys, std::move(plan));
  if (r.failed() > 0)
    std::fprintf(stderr, "  (%zu SDK calls failed)\n", r.failed());
  return r.seconds > 0 ? static_cast<double>(r.succeeded) / r.seconds : 0;
}

void throughput_benchmarks(double seconds) {
  constexpr std::size_t connections = 8;
  bench_world w{static_cast<int>(connections)};
  std::printf("\n1-2. throughput over %zu connections, plain HTTP on loopback, %.0f s "
              "per run\n",
              connections, seconds);
  // Raw proxy_request(): sign, POST /v1/proxy/execute, read the answer.
  auto raw_proxy = run_threads(connections, seconds, [&](std::size_t t) {
    auto client = std::make_shared<bench::raw_http_client>("127.0.0.1", w.api_port);
    auto key = w.keys.agents[t].api_key;
    auto sk = derive_signing_key(key);
    auto k = std::make_shared<std::size_t>(0);
    return [=, &w] {
      auto req
          = signed_request(key, sk, "/v1/proxy/execute", proxy_body(w, t, ++*k), true);
      return client->exchange(req).status == 200;
    };
  });
  auto sdk_proxy = sdk_throughput(w, connections, seconds, {0, 1, 0, 0, 0, 0});
  add({"sdk", "proxy_request(): SDK vs raw Beast client", sdk_proxy, "calls/s",
       "raw Beast keep-alive, same exchanges", raw_proxy, "ratio >= 0.75",
       sdk_proxy >= 0.75 * raw_proxy});
  // Raw request(): sign, POST /v1/tokens/retrieve, inject, GET the provider.
  auto raw_retrieve = run_threads(connections, seconds, [&](std::size_t t) {
    auto api = std::make_shared<bench::raw_http_client>("127.0.0.1", w.api_port);
    auto provider
        = std::make_shared<bench::raw_http_client>("127.0.0.1", w.provider_port);
    auto key = w.keys.agents[t].api_key;
    auto sk = derive_signing_key(key);
    auto body = to_json(
        token_request{{w.keys.agents[t].grant_ids[0], {}, {}, {}}, "benchmark", {}});
    auto k = std::make_shared<std::size_t>(0);
    return [=, &w] {
      auto answer
          = api->exchange(signed_request(key, sk, "/v1/tokens/retrieve", body, false));
      auto token = from_json<token_response>(answer.body);
      if (answer.status != 200 || !token)
        return false;
      auto url = w.provider_url(++*k);
      http_request up{
          "GET", url.substr(w.backend.provider_base_url().size()), {}, {}, 0};
      auto injected = net::inject_credential(std::move(up), *token);
      return injected && provider->exchange(*injected).status == 200;
    };
  });
  auto sdk_retrieve = sdk_throughput(w, connections, seconds, {1, 0, 0, 0, 0, 0});
  add({"sdk", "request(): SDK vs raw Beast client", sdk_retrieve, "calls/s",
       "raw Beast keep-alive, same exchanges", raw_retrieve, "ratio >= 0.75",
       sdk_retrieve >= 0.75 * raw_retrieve});
  // The same upstream hop without the backend: the credential fetched once.
  auto direct = run_threads(connections, seconds, [&](std::size_t t) {
    auto api = std::make_shared<bench::raw_http_client>("127.0.0.1", w.api_port);
    auto provider
        = std::make_shared<bench::raw_http_client>("127.0.0.1", w.provider_port);
    auto key = w.keys.agents[t].api_key;
    auto body = to_json(
        token_request{{w.keys.agents[t].grant_ids[0], {}, {}, {}}, "benchmark", {}});
    auto token = *from_json<token_response>(
        api->exchange(signed_request(key, derive_signing_key(key),
                                     "/v1/tokens/retrieve", body, false))
            .body);
    auto k = std::make_shared<std::size_t>(0);
    return [=, &w] {
      auto url = w.provider_url(++*k);
      http_request up{"POST",
                      url.substr(w.backend.provider_base_url().size()),
                      {{"Content-Type", "application/json"}},
                      "{\"n\":1}",
                      0};
      auto injected = net::inject_credential(std::move(up), token);
      return injected && provider->exchange(*injected).status == 200;
    };
  });
  add({"backend", "proxied call through the backend vs direct hop", raw_proxy,
       "calls/s", "the same provider call made directly", direct, "", true});
}

void idle_agent_memory(bool quick) {
  {
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    runtime rt{sys};
    std::vector<agent_actor> agents;
    auto before = rss_kib();
    for (std::size_t target : quick ? std::vector<std::size_t>{1000, 10000}
                                    : std::vector<std::size_t>{1000, 10000, 100000}) {
      while (agents.size() < target) {
        client_options o;
        o.api_key = generate_key(key_type::agent);
        o.base_url = "http://127.0.0.1:9";
        agents.push_back(*rt.spawn_agent(o));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
      auto bytes = (static_cast<double>(rss_kib()) - static_cast<double>(before))
                   * 1024.0 / static_cast<double>(target);
      add({"memory", "idle Agent client actor, " + std::to_string(target) + " agents",
           bytes, "bytes", "", 0, "<= 2048 bytes", bytes <= 2048});
    }
    for (auto& a : agents)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
}

/// Runs first, in a heap no earlier phase has grown: freed memory would be
/// reused without showing in the resident set.
void in_flight_memory() {
  // In flight: proxied calls held 3 s by the backend, queued in the pool.
  backend::backend_options bopts;
  bopts.tls = false;
  backend::fault_rule slow;
  slow.path_prefix = "/v1/proxy";
  slow.kind = backend::fault_kind::latency;
  slow.delay = std::chrono::milliseconds{3000};
  bopts.faults = {slow};
  backend::local_backend be{bopts};
  backend::bootstrap_spec spec;
  spec.agents = 1;
  spec.providers = {"sim-bearer"};
  auto keys = backend::bootstrap(be.db(), spec);
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  net::transport_options topts;
  topts.pool.max_queue = 5000;
  runtime rt{sys, topts};
  client_options o;
  o.api_key = keys.agents[0].api_key;
  o.base_url = be.base_url();
  auto agent = *rt.spawn_agent(o);
  constexpr std::size_t calls = 2000;
  std::atomic<std::size_t> answered{0};
  auto before = rss_kib();
  auto firer = sys.spawn(
      [&](caf::event_based_actor* self, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) {
          provider_call c;
          c.method = "POST";
          c.url = be.provider_base_url() + "/sim-bearer/held/" + std::to_string(k);
          c.json = "{}";
          c.grant_id = keys.agents[0].grant_ids[0];
          self->request(agent, caf::infinite, proxy_atom_v, std::move(c))
              .then([&](proxy_outcome&) { ++answered; },
                    [&](caf::error&) { ++answered; });
        }
      },
      calls);
  std::this_thread::sleep_for(std::chrono::milliseconds{1000});
  auto during = rss_kib();
  auto bytes = (static_cast<double>(during) - static_cast<double>(before)) * 1024.0
               / static_cast<double>(calls);
  add({"memory", "per in-flight proxy_request() (2,000 held)", bytes, "bytes", "", 0,
       "", true});
  while (answered.load() < calls)
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  caf::anon_send_exit(firer, caf::exit_reason::user_shutdown);
}

void scaling_benchmarks(bool quick) {
  std::printf(
      "\n4. swarm throughput and p99 as agents grow (HTTPS, retrieve + proxy)\n");
  struct step {
    uint64_t agents;
    uint64_t calls_per_agent;
  };
  std::vector<step> steps = {{1000, 20}, {10000, 2}};
  if (!quick)
    steps.push_back({100000, 1});
  double first = 0;
  for (auto [agents, calls] : steps) {
    swarm::scenario s;
    s.name = "scaling";
    s.agents = agents;
    s.calls_per_agent = calls;
    s.concurrency = 256;
    s.mix = {1, 1, 0, 0, 0, 0};
    s.providers = {"sim-bearer"};
    swarm::swarm_target target;
    auto be = swarm::start_embedded(s, target);
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    auto r = swarm::drive(sys, s, target, nullptr, false);
    auto p99 = std::max(r.latency["retrieve"].percentile(0.99),
                        r.latency["proxy"].percentile(0.99));
    if (first == 0)
      first = r.throughput();
    add({"scaling", "swarm, " + std::to_string(agents) + " agents", r.throughput(),
         "calls/s", "1,000 agents", first, "ratio >= 0.8 (flat per call)",
         r.throughput() >= 0.8 * first});
    add({"scaling", "swarm p99, " + std::to_string(agents) + " agents", p99, "ms", "",
         0, "", true});
  }
}

} // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  bool quick = false;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--profile-sdk") {
      // Only the SDK's proxy_request() loop, for perf: no baselines, no memory.
      bench_world w{8};
      std::printf("%.1f calls/s\n", sdk_throughput(w, 8, seconds, {0, 1, 0, 0, 0, 0}));
      return 0;
    } else if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: alter_macro_bench [--seconds S] [--quick] [--out FILE]\n");
      return 2;
    }
  }
  if (!(seconds > 0 && seconds <= 600)) {
    std::fprintf(stderr, "alter_macro_bench: --seconds must be 0 to 600\n");
    return 2;
  }
  std::printf("\n3. memory\n");
  in_flight_memory();
  idle_agent_memory(quick);
  throughput_benchmarks(seconds);
  scaling_benchmarks(quick);
  results.print_markdown();
  if (!out.empty())
    results.write_json(out);
  return 0;
}
