// The legitimate client of the hostile-network test: while an attack runs, it
// makes me() calls through the SDK and prints what a user would have seen, as
// one JSON line: {"calls":N,"failures":F,"p50_ms":...,"p99_ms":...,"max_ms":...}.
// Every `fresh` calls it starts a new environment, so that some calls open a new
// connection (and TLS session) during the attack, as a newly started agent would.
//
//   legit_probe BASE_URL CALLS [CA_FILE]   (agent key in ALTER_API_KEY)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "alter/actors/blocking_client.hpp"
#include "alter/messages/exceptions.hpp"

int main(int argc, char** argv) {
  if (argc < 3 || std::getenv("ALTER_API_KEY") == nullptr) {
    std::fprintf(stderr,
                 "usage: ALTER_API_KEY=... legit_probe BASE_URL CALLS [CA_FILE]\n");
    return 2;
  }
  alter::client_options options;
  options.api_key = std::getenv("ALTER_API_KEY");
  options.base_url = argv[1];
  options.timeout = 5;
  options.retry.max_attempts = 1;
  if (argc > 3)
    options.tls.ca_file = argv[3];
  const int calls = std::max(1, std::atoi(argv[2]));
  constexpr int fresh = 10;
  std::vector<double> latencies;
  int failures = 0;
  for (int done = 0; done < calls;) {
    auto env = alter::blocking::environment::make();
    alter::blocking::Agent agent{options, env};
    for (int i = 0; i < fresh && done < calls; ++i, ++done) {
      auto started = std::chrono::steady_clock::now();
      try {
        agent.me();
        latencies.push_back(std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - started)
                                .count());
      } catch (const alter::errors::AlterSDKError& e) {
        ++failures;
        std::fprintf(stderr, "legit_probe: %s\n", e.what());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
  }
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    if (latencies.empty())
      return -1.0;
    auto i
        = static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1) + 0.5);
    return latencies[std::min(i, latencies.size() - 1)];
  };
  std::printf("{\"calls\":%d,\"failures\":%d,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
              "\"max_ms\":%.2f}\n",
              calls, failures, at(0.5), at(0.99),
              latencies.empty() ? -1.0 : latencies.back());
  return failures == 0 ? 0 : 1;
}
