// Backend CPU per proxied call, with the backend as its own process (as users
// run it): drives `alter-local serve --plain` with signed POST /v1/proxy/execute
// calls over keep-alive connections and reads the backend's CPU time (utime +
// stime from /proc/PID/stat) before and after.
//
//   alter_backend_cpu_bench --pid PID --port API_PORT --provider-url URL
//                           --key AGENT_KEY --grant GRANT_ID
//                           [--calls N] [--threads T] [--warmup N] [--direct 0]
//
// scripts/backend_cpu.sh starts the backend and runs this. The simulated provider
// runs inside alter-local too, so the same number of direct calls to it (the
// credential fetched once with /v1/tokens/retrieve) is measured as well: the
// backend's own CPU per proxied call is the difference.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/crypto.hpp"
#include "auth/request_signing.hpp"
#include "benchmarks/raw_http_client.hpp"
#include "messages/base64.hpp"
#include "messages/json_codec.hpp"
#include "messages/token_response.hpp"
#include "messages/wire_requests.hpp"
#include "net/credential_injection.hpp"

namespace {

using namespace alter;

/// utime + stime of `pid`, in seconds.
double cpu_seconds(const std::string& pid) {
  std::ifstream in{"/proc/" + pid + "/stat"};
  std::string all{std::istreambuf_iterator<char>{in}, {}};
  // Fields after the command name, which is in parentheses and may hold spaces.
  std::istringstream rest{all.substr(all.rfind(')') + 2)};
  std::vector<std::string> f{std::istream_iterator<std::string>{rest}, {}};
  if (f.size() < 13)
    return -1;
  // f[0] is field 3 (state): utime is field 14, stime field 15.
  auto ticks = std::stod(f[11]) + std::stod(f[12]);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2)
    flags[argv[i]] = argv[i + 1];
  for (const char* needed : {"--pid", "--port", "--provider-url", "--key", "--grant"})
    if (!flags.count(needed)) {
      std::fprintf(stderr, "missing %s (see the comment at the top)\n", needed);
      return 2;
    }
  auto calls = std::stol(flags.count("--calls") ? flags["--calls"] : "5000");
  auto threads = std::stol(flags.count("--threads") ? flags["--threads"] : "8");
  auto warmup = std::stol(flags.count("--warmup") ? flags["--warmup"] : "500");
  auto port = static_cast<unsigned short>(std::stoi(flags["--port"]));
  auto key = flags["--key"];
  auto signing_key = derive_signing_key(key);
  auto signed_post = [&](std::string target, std::string body) {
    http_request req;
    req.method = "POST";
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = {{"Accept", "application/json"},
                   {"Content-Type", "application/json"},
                   {"x-alter-caller-type", "agent"},
                   {"idempotency-key", crypto::random_uuid()}};
    sign_request(req, key, signing_key, unix_now(), crypto::random_hex(16));
    return req;
  };
  auto provider_port = static_cast<unsigned short>(std::stoi(
      flags["--provider-url"].substr(flags["--provider-url"].rfind(':') + 1)));
  token_response token;
  {
    bench::raw_http_client client{"127.0.0.1", port};
    auto answer = client.exchange(signed_post(
        "/v1/tokens/retrieve",
        to_json(token_request{{flags["--grant"], {}, {}, {}}, "cpu benchmark", {}})));
    auto t = from_json<token_response>(answer.body);
    if (answer.status != 200 || !t) {
      std::fprintf(stderr, "token retrieval failed: %d %s\n", answer.status,
                   answer.body.c_str());
      return 1;
    }
    token = *t;
  }
  auto direct_call = [&](bench::raw_http_client& client, long k) {
    http_request up{"POST",
                    "/sim-bearer/cpu/" + std::to_string(k),
                    {{"Content-Type", "application/json"}},
                    "{\"n\":" + std::to_string(k) + "}",
                    0};
    auto injected = net::inject_credential(std::move(up), token);
    return injected && client.exchange(*injected).status == 200;
  };
  auto run = [&](long total, std::atomic<long>& failed, bool direct) {
    std::atomic<long> next{0};
    std::vector<std::thread> pool;
    for (long t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        bench::raw_http_client client{"127.0.0.1", direct ? provider_port : port};
        for (long k = next++; k < total; k = next++) {
          if (direct) {
            if (!direct_call(client, k))
              ++failed;
            continue;
          }
          proxy_request p;
          p.grant.grant_id = flags["--grant"];
          p.method = "POST";
          p.url = flags["--provider-url"] + "/sim-bearer/cpu/" + std::to_string(k);
          p.headers = {{"Content-Type", "application/json"}};
          p.body_b64 = base64_encode("{\"n\":" + std::to_string(k) + "}");
          p.reason = "cpu benchmark";
          if (client.exchange(signed_post("/v1/proxy/execute", to_json(p))).status
              != 200)
            ++failed;
        }
      });
    for (auto& th : pool)
      th.join();
  };
  struct figures {
    double calls_per_second;
    double cpu_ms_per_call;
  };
  std::atomic<long> failed{0};
  auto measure = [&](bool direct) {
    run(warmup, failed, direct);
    auto cpu_before = cpu_seconds(flags["--pid"]);
    auto started = std::chrono::steady_clock::now();
    run(calls, failed, direct);
    auto elapsed
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
              .count();
    auto cpu = cpu_seconds(flags["--pid"]) - cpu_before;
    return figures{static_cast<double>(calls) / elapsed,
                   cpu * 1000.0 / static_cast<double>(calls)};
  };
  // --direct 0 skips the baseline (e.g. to count allocations of proxied calls).
  auto direct = flags["--direct"] == "0" ? figures{0, 0} : measure(true);
  auto proxied = measure(false);
  std::printf("%ld calls, %ld threads (%ld failed)\n", calls, threads, failed.load());
  std::printf("  direct provider hop: %7.0f calls/s, process CPU %.3f ms per call\n",
              direct.calls_per_second, direct.cpu_ms_per_call);
  std::printf("  proxied call:        %7.0f calls/s, process CPU %.3f ms per call\n",
              proxied.calls_per_second, proxied.cpu_ms_per_call);
  std::printf("  backend CPU per proxied call (proxied - direct): %.3f ms\n",
              proxied.cpu_ms_per_call - direct.cpu_ms_per_call);
  return failed.load() == 0 ? 0 : 1;
}
