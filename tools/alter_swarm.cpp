// alter-swarm: the project's main job. Starts the embedded backend on loopback,
// bootstraps an app with N agents, and drives the agents' calls through the SDK.
//
//   alter-swarm [--agents N] [--calls-per-agent N] [--concurrency N] [--plain]
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"

#include "actors/runtime.hpp"
#include "backend/bootstrap.hpp"
#include "backend/local_backend.hpp"
#include "messages/alter_error.hpp"
#include "net/url.hpp"
#include "tools/swarm/swarm_driver.hpp"

namespace {

struct options {
  long agents = 300;
  long calls_per_agent = 4;
  long concurrency = 64;
  bool tls = true;
};

int usage(const std::string& why) {
  std::cerr << "alter-swarm: " << why
            << "\nusage: alter-swarm [--agents N] [--calls-per-agent N] "
               "[--concurrency N] [--plain]\n";
  return 2;
}

bool parse(int argc, char** argv, options& opts, std::string& error) {
  std::map<std::string, long*> numbers{{"--agents", &opts.agents},
                                       {"--calls-per-agent", &opts.calls_per_agent},
                                       {"--concurrency", &opts.concurrency}};
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--plain") {
      opts.tls = false;
      continue;
    }
    auto it = numbers.find(name);
    if (it == numbers.end()) {
      error = "unknown option " + name;
      return false;
    }
    if (i + 1 >= argc) {
      error = name + " needs a value";
      return false;
    }
    char* end = nullptr;
    *it->second = std::strtol(argv[++i], &end, 10);
    if (*end != '\0' || *it->second < 1 || *it->second > 10000000) {
      error = name + " must be a whole number from 1 to 10000000";
      return false;
    }
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  std::string error;
  if (!parse(argc, argv, opts, error))
    return usage(error);
  try {
    alter::backend::backend_options bopts;
    bopts.tls = opts.tls;
    alter::backend::local_backend backend{bopts};
    alter::backend::bootstrap_spec spec;
    spec.agents = static_cast<int>(opts.agents);
    auto scenario = alter::backend::bootstrap(backend.db(), spec);
    std::cout << "alter-swarm: backend on " << backend.base_url() << ", " << opts.agents
              << " agents bootstrapped\n";

    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    alter::swarm::swarm_report report;
    {
      alter::runtime rt{sys};
      alter::swarm::swarm_plan plan;
      plan.calls_per_agent = static_cast<std::size_t>(opts.calls_per_agent);
      plan.concurrency = static_cast<std::size_t>(opts.concurrency);
      // Keep the window within what the backend's pool accepts.
      plan.transport = rt.transport();
      plan.backend = alter::net::parse_url(backend.base_url())->where;
      plan.backend.tls.ca_pem = backend.certificate_pem();
      for (const auto& p : spec.providers)
        plan.provider_urls.push_back(backend.provider_base_url() + "/" + p);
      for (const auto& a : scenario.agents) {
        alter::client_options copts;
        copts.api_key = a.api_key;
        copts.base_url = backend.base_url();
        copts.tls.ca_pem = backend.certificate_pem();
        auto client = rt.spawn_agent(copts);
        if (!client) {
          std::cerr << "alter-swarm: "
                    << to_string(alter::from_caf_error(client.error())) << "\n";
          return 1;
        }
        plan.agents.push_back({std::move(*client), a.grant_ids});
      }
      report = alter::swarm::run_swarm(sys, std::move(plan));
    }
    alter::swarm::print(std::cout, report);
    return report.failed() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "alter-swarm: " << e.what() << "\n";
    return 1;
  }
}
