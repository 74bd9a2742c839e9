// Load for the crash test: proxied calls from many threads, each with a unique
// reason, printing "ok <reason>" for every call the backend confirmed. Runs
// until killed; calls failing (the backend is gone) are simply tried again.
//
//   crash_load BASE_URL GRANT_ID PROVIDER_URL   (agent key in ALTER_API_KEY)
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alter/actors/blocking_client.hpp"
#include "alter/messages/exceptions.hpp"

int main(int argc, char** argv) {
  if (argc != 4 || std::getenv("ALTER_API_KEY") == nullptr) {
    std::cerr << "usage: ALTER_API_KEY=... crash_load BASE_URL GRANT_ID PROVIDER_URL\n";
    return 2;
  }
  alter::client_options options;
  options.api_key = std::getenv("ALTER_API_KEY");
  options.base_url = argv[1];
  options.timeout = 5;
  options.retry.max_attempts = 1;
  auto env = alter::blocking::environment::make();
  std::mutex out;
  constexpr int threads = 16;
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      alter::blocking::Agent agent{options, env};
      for (long i = 0;; ++i) {
        alter::provider_call call;
        call.method = "POST";
        call.url = std::string{argv[3]} + "/sim-bearer/v1/orders";
        call.grant_id = argv[2];
        call.json = R"({"item": 1})";
        call.reason = "crash-" + std::to_string(t) + "-" + std::to_string(i);
        try {
          if (agent.proxy_request(call).result.status_code == 200) {
            std::lock_guard<std::mutex> guard{out};
            std::cout << "ok " << call.reason
                      << std::endl; // flushed: the kill may come any time
          }
        } catch (const alter::errors::AlterSDKError&) {
          std::this_thread::sleep_for(std::chrono::milliseconds{20});
        }
      }
    });
  for (auto& w : workers)
    w.join();
}
