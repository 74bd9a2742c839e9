// The backend as users run it: `alter-local serve` in its own process, its
// database in a file on disk (or on PostgreSQL, one or two instances), plain HTTP
// on loopback, driven by raw Beast keep-alive clients making signed proxied calls.
// Each figure is set against the direct provider hop measured in the same run:
//
//   - proxied calls per second at concurrency C (default 64), the backend's CPU
//     time per call and its fsync() calls per call, for every configuration;
//   - overload: an open-loop offered rate of 0.5x and 10x the sustainable rate:
//     accepted calls' p50/p99 against the unloaded p99, how many are refused
//     with 503 and how fast, and how many are left unanswered.
//
//   alter_backend_bench --alter-local build/tools/alter-local
//       --fsync-counter build/benchmarks/libalter_fsync_counter.so --work DIR
//       [--seconds S] [--concurrency C] [--sqlite LABEL=ARGS]...
//       [--postgres URL] [--overload] [--out FILE.json]
//
// --sqlite adds a SQLite configuration with extra `serve` arguments (e.g. one
// fsync per commit against group commit); without it one default run.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alter/auth/request_signing.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/credential_injection.hpp"
#include "benchmarks/backend_process.hpp"
#include "benchmarks/raw_http_client.hpp"
#include "benchmarks/result_rows.hpp"
#include "benchmarks/signed_calls.hpp"

namespace {

using namespace alter;
using clock_type = std::chrono::steady_clock;

struct settings {
  std::string alter_local;
  std::string fsync_counter;
  std::string work;
  double seconds = 5;
  std::size_t concurrency = 64;
  std::vector<std::pair<std::string, std::string>> sqlite; // label, extra args
  std::string postgres;
  bool overload = false;
  std::string out;
};

std::vector<std::string> split_args(const std::string& text) {
  std::istringstream in{text};
  std::vector<std::string> out;
  for (std::string a; in >> a;)
    out.push_back(a);
  return out;
}

/// What one target of calls is: an instance's API port and its agents.
struct target {
  unsigned short api_port;
  std::string provider_base; // "http://127.0.0.1:PORT"
};

struct load_result {
  double calls_per_second = 0;
  uint64_t ok = 0;
  uint64_t failed = 0;
};

/// `threads` closed loops for `seconds`, each on its own keep-alive connection.
load_result closed_loop(std::size_t threads, double seconds,
                        const std::function<std::function<bool()>(std::size_t)>& make) {
  std::atomic<uint64_t> ok{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  std::vector<std::function<bool()>> loops;
  for (std::size_t t = 0; t < threads; ++t)
    loops.push_back(make(t));
  auto started = clock_type::now();
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      while (!stop.load(std::memory_order_relaxed))
        (loops[t]() ? ok : failed).fetch_add(1, std::memory_order_relaxed);
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool)
    th.join();
  auto elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
  return {static_cast<double>(ok.load()) / elapsed, ok.load(), failed.load()};
}

/// A proxied call loop for thread `t`: signed POST /v1/proxy/execute, a fresh
/// Idempotency-Key each time, to the simulated provider.
std::function<bool()> proxied_loop(const target& to, const bench::bootstrapped_agent& a,
                                   std::size_t t) {
  auto client = std::make_shared<bench::raw_http_client>("127.0.0.1", to.api_port);
  auto sk = derive_signing_key(a.api_key);
  auto k = std::make_shared<uint64_t>(t << 32);
  auto url = to.provider_base + "/sim-bearer/bench/";
  return [client, sk, k, url, a] {
    ++*k;
    auto req = bench::signed_request(
        a.api_key, sk, "/v1/proxy/execute",
        bench::proxy_body(a.grant_id, url + std::to_string(*k), *k), true);
    return client->exchange(req).status == 200;
  };
}

/// The same provider call without the backend: the credential fetched once.
std::function<bool()> direct_loop(const target& to, unsigned short provider_port,
                                  const bench::bootstrapped_agent& a) {
  bench::raw_http_client api{"127.0.0.1", to.api_port};
  auto body = to_json(token_request{{a.grant_id, {}, {}, {}}, "benchmark", {}});
  auto answer = api.exchange(bench::signed_request(
      a.api_key, derive_signing_key(a.api_key), "/v1/tokens/retrieve", body, false));
  auto token = from_json<token_response>(answer.body);
  if (answer.status != 200 || !token) {
    std::fprintf(stderr, "token retrieval failed: %d %s\n", answer.status,
                 answer.body.c_str());
    std::exit(1);
  }
  auto provider = std::make_shared<bench::raw_http_client>("127.0.0.1", provider_port);
  auto k = std::make_shared<uint64_t>(0);
  return [provider, k, token = *token] {
    http_request up{"POST",
                    "/sim-bearer/bench/" + std::to_string(++*k),
                    {{"Content-Type", "application/json"}},
                    "{\"n\":1}",
                    0};
    auto injected = net::inject_credential(std::move(up), token);
    return injected && provider->exchange(*injected).status == 200;
  };
}

/// Proxied calls spread over `instances`, with the backend's CPU and fsyncs.
struct proxied_figures {
  load_result load;
  double cpu_ms_per_call = 0;
  double fsyncs_per_call = 0;
};

proxied_figures
measure_proxied(const settings& s,
                const std::vector<const bench::backend_process*>& instances,
                const std::vector<bench::bootstrapped_agent>& agents,
                const std::string& provider_base) {
  auto cpu_of = [&] {
    double c = 0;
    for (const auto* b : instances)
      c += b->cpu_seconds();
    return c;
  };
  auto fsyncs_of = [&] {
    uint64_t f = 0;
    for (const auto* b : instances)
      f += b->fsyncs();
    return f;
  };
  auto cpu0 = cpu_of();
  auto f0 = fsyncs_of();
  auto load = closed_loop(s.concurrency, s.seconds, [&](std::size_t t) {
    const auto* b = instances[t % instances.size()];
    return proxied_loop({b->api_port(), provider_base}, agents[t % agents.size()], t);
  });
  proxied_figures out;
  out.load = load;
  // Per call that succeeded: a refused call is cheap, and counting it would
  // make a backend that refuses look cheaper per call.
  auto calls = static_cast<double>(std::max<uint64_t>(load.ok, 1));
  out.cpu_ms_per_call = (cpu_of() - cpu0) * 1000.0 / calls;
  out.fsyncs_per_call = static_cast<double>(fsyncs_of() - f0) / calls;
  if (load.failed > 0)
    std::fprintf(stderr, "  (%llu calls failed)\n",
                 static_cast<unsigned long long>(load.failed));
  return out;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

struct open_loop_result {
  double offered_per_second = 0;
  std::vector<double> accepted_ms; // from the scheduled send time
  std::vector<double> rejected_ms; // 503, from the actual send time
  uint64_t other_errors = 0;
  uint64_t unanswered = 0; // still outstanding after the load and a 10 s grace
};

/// Offers `rate` proxied calls per second for `seconds`, open loop: call i is due
/// at i/rate whatever happened to the others. `senders` threads, each on its own
/// connection, take the due calls; a call that waits for a free sender counts
/// its wait in its latency (no coordinated omission).
open_loop_result open_loop(const bench::backend_process& b,
                           const std::string& provider_base,
                           const std::vector<bench::bootstrapped_agent>& agents,
                           double rate, double seconds, std::size_t senders) {
  open_loop_result out;
  out.offered_per_second = rate;
  auto total = static_cast<uint64_t>(rate * seconds);
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<bool> give_up{false};
  std::mutex merge;
  auto start = clock_type::now() + std::chrono::milliseconds{200};
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < senders; ++t)
    pool.emplace_back([&, t] {
      const auto& a = agents[t % agents.size()];
      std::unique_ptr<bench::raw_http_client> client;
      auto sk = derive_signing_key(a.api_key);
      std::vector<double> acc, rej;
      uint64_t errors = 0;
      for (;;) {
        auto i = next.fetch_add(1);
        if (i >= total || give_up.load())
          break;
        auto due
            = start + std::chrono::nanoseconds{static_cast<int64_t>(1e9 * i / rate)};
        std::this_thread::sleep_until(due);
        auto url = provider_base + "/sim-bearer/overload/" + std::to_string(i);
        auto req = bench::signed_request(a.api_key, sk, "/v1/proxy/execute",
                                         bench::proxy_body(a.grant_id, url, i), true);
        in_flight.fetch_add(1);
        auto sent = clock_type::now();
        http_response res;
        try {
          if (!client)
            client
                = std::make_unique<bench::raw_http_client>("127.0.0.1", b.api_port());
          res = client->exchange(req);
        } catch (const std::exception&) {
          client.reset(); // refused or reset: an error, and a new connection next
          res.status = 0;
        }
        auto done = clock_type::now();
        in_flight.fetch_sub(1);
        if (res.status == 200)
          acc.push_back(std::chrono::duration<double, std::milli>(done - due).count());
        else if (res.status == 503)
          rej.push_back(std::chrono::duration<double, std::milli>(done - sent).count());
        else
          ++errors;
      }
      std::lock_guard<std::mutex> g{merge};
      out.accepted_ms.insert(out.accepted_ms.end(), acc.begin(), acc.end());
      out.rejected_ms.insert(out.rejected_ms.end(), rej.begin(), rej.end());
      out.other_errors += errors;
    });
  // The load ends at `seconds`; what is still outstanding 10 s later never got
  // an answer in time.
  std::this_thread::sleep_until(start
                                + std::chrono::duration_cast<clock_type::duration>(
                                    std::chrono::duration<double>(seconds + 10)));
  give_up = true;
  out.unanswered = in_flight.load() + (total > next.load() ? total - next.load() : 0);
  for (auto& th : pool)
    th.join();
  return out;
}

std::string pct(double part, double whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole > 0 ? 100.0 * part / whole : 0.0);
  return buf;
}

int usage() {
  std::fprintf(
      stderr,
      "usage: alter_backend_bench --alter-local PATH --work DIR [--fsync-counter "
      "LIB]\n  [--seconds S] [--concurrency C] [--sqlite LABEL=ARGS]... "
      "[--postgres URL]\n  [--overload] [--out FILE.json]\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--alter-local")
      s.alter_local = value();
    else if (a == "--fsync-counter")
      s.fsync_counter = value();
    else if (a == "--work")
      s.work = value();
    else if (a == "--seconds")
      s.seconds = std::atof(value().c_str());
    else if (a == "--concurrency")
      s.concurrency = static_cast<std::size_t>(std::atol(value().c_str()));
    else if (a == "--sqlite") {
      auto v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos)
        return usage();
      s.sqlite.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--postgres")
      s.postgres = value();
    else if (a == "--overload")
      s.overload = true;
    else if (a == "--out")
      s.out = value();
    else
      return usage();
  }
  if (s.alter_local.empty() || s.work.empty() || !(s.seconds > 0 && s.seconds <= 600)
      || s.concurrency < 1 || s.concurrency > 1024)
    return usage();
  if (s.sqlite.empty())
    s.sqlite.emplace_back("SQLite", "");
  bench::result_rows rows;
  const auto agents_arg = std::to_string(s.concurrency);
  auto start = [&](const std::string& name, std::vector<std::string> args) {
    auto base = s.work + "/" + name;
    // Room for the overload run's senders on one loopback address.
    std::vector<std::string> all{"--plain", "--port",
                                 "0",       "--provider-port",
                                 "0",       "--max-connections-per-address",
                                 "4096"};
    all.insert(all.end(), args.begin(), args.end());
    return std::make_unique<bench::backend_process>(s.alter_local, all, base + ".log",
                                                    s.fsync_counter, base + ".fsyncs");
  };
  std::printf("backend in its own process, plain HTTP on loopback, concurrency %zu, "
              "%.0f s per run, database in %s\n",
              s.concurrency, s.seconds, s.work.c_str());
  double sustainable = 0;
  std::string first_sqlite;
  for (std::size_t c = 0; c < s.sqlite.size(); ++c) {
    const auto& [label, extra] = s.sqlite[c];
    auto name = "sqlite-" + std::to_string(c);
    auto args = split_args(extra);
    for (const auto* a : {"--db", "", "--bootstrap-agents", ""})
      args.emplace_back(a);
    args[args.size() - 3] = s.work + "/" + name + ".db";
    args[args.size() - 1] = agents_arg;
    auto b = start(name, args);
    auto provider_base = "http://127.0.0.1:" + std::to_string(b->provider_port());
    auto cpu_before_direct = b->cpu_seconds();
    auto direct = closed_loop(s.concurrency, s.seconds, [&](std::size_t t) {
      return direct_loop({b->api_port(), provider_base}, b->provider_port(),
                         b->agents()[t % b->agents().size()]);
    });
    // The simulated provider runs in the same process: its share of a call.
    auto provider_ms
        = (b->cpu_seconds() - cpu_before_direct) * 1000.0
          / static_cast<double>(std::max<uint64_t>(direct.ok + direct.failed, 1));
    auto p = measure_proxied(s, {b.get()}, b->agents(), provider_base);
    rows.add({"backend", label + ": proxied calls, database file on disk",
              p.load.calls_per_second, "calls/s", "direct provider hop",
              direct.calls_per_second, "", true});
    rows.add({"backend", label + ": backend CPU per proxied call", p.cpu_ms_per_call,
              "ms", "", 0, "", true});
    rows.add({"backend", label + ": backend CPU per proxied call, provider's share off",
              p.cpu_ms_per_call - provider_ms, "ms", "", 0, "", true});
    rows.add({"backend", label + ": fsyncs per proxied call", p.fsyncs_per_call,
              "fsyncs", "", 0, "", true});
    if (c == 0) {
      first_sqlite = label;
      sustainable = p.load.calls_per_second;
    } else {
      rows.add({"backend", label + " vs " + first_sqlite, p.load.calls_per_second,
                "calls/s", first_sqlite, sustainable, "", true});
    }
    if (s.overload && c + 1 == s.sqlite.size()) {
      auto rate = p.load.calls_per_second;
      auto calm = open_loop(*b, provider_base, b->agents(), 0.5 * rate, s.seconds, 64);
      auto calm_p99 = percentile(calm.accepted_ms, 0.99);
      auto hot = open_loop(*b, provider_base, b->agents(), 10 * rate, s.seconds, 512);
      auto offered = static_cast<double>(hot.accepted_ms.size() + hot.rejected_ms.size()
                                         + hot.other_errors + hot.unanswered);
      rows.add({"overload", label + ": unloaded p99 (0.5x sustainable, open loop)",
                calm_p99, "ms", "", 0, "", true});
      auto hot_p99 = percentile(hot.accepted_ms, 0.99);
      rows.add({"overload", label + ": accepted p50 at 10x offered",
                percentile(hot.accepted_ms, 0.5), "ms", "", 0, "", true});
      rows.add({"overload", label + ": accepted p99 at 10x offered", hot_p99, "ms",
                "unloaded p99", calm_p99, "ratio <= 5", hot_p99 <= 5 * calm_p99});
      auto rejected_p99 = percentile(hot.rejected_ms, 0.99);
      rows.add({"overload",
                label + ": 503 answers at 10x offered ("
                    + pct(static_cast<double>(hot.rejected_ms.size()), offered) + ")",
                static_cast<double>(hot.rejected_ms.size()), "calls", "", 0, "", true});
      rows.add({"overload", label + ": 503 latency p99 at 10x offered", rejected_p99,
                "ms", "", 0, "< 1 ms", !hot.rejected_ms.empty() && rejected_p99 < 1.0});
      rows.add({"overload", label + ": accepted calls at 10x offered",
                static_cast<double>(hot.accepted_ms.size()), "calls", "offered",
                offered, "", true});
      rows.add({"overload", label + ": unanswered 10 s after the load",
                static_cast<double>(hot.unanswered), "calls", "", 0, "0",
                hot.unanswered == 0});
      rows.add({"overload", label + ": other errors at 10x offered",
                static_cast<double>(hot.other_errors), "calls", "", 0, "", true});
    }
  }
  if (!s.postgres.empty()) {
    auto first
        = start("postgres-1", {"--db", s.postgres, "--bootstrap-agents", agents_arg});
    auto provider_base = "http://127.0.0.1:" + std::to_string(first->provider_port());
    auto direct = closed_loop(s.concurrency, s.seconds, [&](std::size_t t) {
      return direct_loop({first->api_port(), provider_base}, first->provider_port(),
                         first->agents()[t % first->agents().size()]);
    });
    auto one = measure_proxied(s, {first.get()}, first->agents(), provider_base);
    rows.add({"postgres", "PostgreSQL, 1 instance: proxied calls",
              one.load.calls_per_second, "calls/s", "direct provider hop",
              direct.calls_per_second, "", true});
    rows.add({"postgres", "PostgreSQL, 1 instance: backend CPU per proxied call",
              one.cpu_ms_per_call, "ms", "", 0, "", true});
    // The second instance serves the same apps; the simulated providers stay the
    // first one's (the store names one URL per provider).
    auto second = start("postgres-2", {"--db", s.postgres, "--no-simulated-providers"});
    auto two = measure_proxied(s, {first.get(), second.get()}, first->agents(),
                               provider_base);
    rows.add({"postgres", "PostgreSQL, 2 instances: proxied calls",
              two.load.calls_per_second, "calls/s", "1 instance",
              one.load.calls_per_second, "", true});
    rows.add({"postgres", "PostgreSQL, 2 instances: backend CPU per proxied call",
              two.cpu_ms_per_call, "ms", "", 0, "", true});
  }
  rows.print_markdown();
  if (!s.out.empty())
    rows.write_json(s.out);
  return 0;
}
