// alter-local: the project's backend as a program.
//
//   alter-local serve [--db FILE] [--address 127.0.0.1] [--port 8443]
//                     [--provider-port 8444] [--plain] [--ca-out FILE]
//                     [--bootstrap-agents N] [--faults FILE.json]
//   alter-local bootstrap --db FILE [--agents N] [--provider-url URL]
//
// Plaintext keys are printed once, when they are made; the store keeps hashes.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>

#include <semaphore.h>

#include "backend/bootstrap.hpp"
#include "backend/local_backend.hpp"
#include "backend/provider_simulator.hpp"

namespace {

using alter::backend::bootstrap_result;

int usage(const char* why = nullptr) {
  if (why != nullptr)
    std::cerr << "alter-local: " << why << "\n\n";
  std::cerr << "usage:\n"
               "  alter-local serve [--db FILE] [--address ADDR] [--port N]\n"
               "                    [--provider-port N] [--plain] [--ca-out FILE]\n"
               "                    [--bootstrap-agents N] [--faults FILE.json]\n"
               "  alter-local bootstrap --db FILE [--agents N] [--provider-url URL]\n";
  return 2;
}

/// "--name value" pairs and bare "--flag"s after the command.
bool parse_flags(int argc, char** argv, std::map<std::string, std::string>& out,
                 std::string& error) {
  static const char* flags[] = {"--plain"};
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) {
      error = "unexpected argument " + name;
      return false;
    }
    bool is_flag = false;
    for (auto* f : flags)
      is_flag = is_flag || name == f;
    if (is_flag) {
      out[name] = "1";
    } else if (i + 1 < argc) {
      out[name] = argv[++i];
    } else {
      error = name + " needs a value";
      return false;
    }
  }
  return true;
}

bool to_int(const std::string& text, long min, long max, long& out) {
  char* end = nullptr;
  out = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && out >= min && out <= max;
}

void print_keys(const bootstrap_result& r) {
  std::cout << "app " << r.app_id << "\n  key: " << r.app_key << "\n";
  for (const auto& g : r.system_grant_ids)
    std::cout << "  grant: " << g << "\n";
  for (const auto& a : r.agents) {
    std::cout << "agent " << a.name << " " << a.id << "\n  key: " << a.api_key << "\n";
    for (const auto& g : a.grant_ids)
      std::cout << "  grant: " << g << "\n";
  }
  std::cout << "(keys are shown once; the backend stores only their hashes)\n";
}

sem_t stop_signal;

int serve(std::map<std::string, std::string>& flags) {
  alter::backend::backend_options opts;
  opts.database_path = flags.count("--db") ? flags["--db"] : "alter-local.db";
  if (flags.count("--address"))
    opts.address = flags["--address"];
  long port = 8443;
  long provider_port = 8444;
  long agents = 0;
  if ((flags.count("--port") && !to_int(flags["--port"], 0, 65535, port))
      || (flags.count("--provider-port")
          && !to_int(flags["--provider-port"], 0, 65535, provider_port)))
    return usage("ports must be numbers from 0 to 65535");
  if (flags.count("--bootstrap-agents")
      && !to_int(flags["--bootstrap-agents"], 0, 1000000, agents))
    return usage("--bootstrap-agents must be a number from 0 to 1000000");
  opts.port = static_cast<uint16_t>(port);
  opts.provider_port = static_cast<uint16_t>(provider_port);
  opts.tls = flags.count("--plain") == 0;
  if (flags.count("--faults")) {
    std::ifstream in{flags["--faults"]};
    if (!in)
      return usage(("cannot read " + flags["--faults"]).c_str());
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    opts.faults = alter::backend::fault_injector::parse_rules(text);
  }
  alter::backend::local_backend backend{opts};
  std::cout << "alter-local: API on " << backend.base_url() << ", providers on "
            << backend.provider_base_url() << ", state in " << opts.database_path
            << "\n";
  if (opts.tls) {
    auto ca_out
        = flags.count("--ca-out") ? flags["--ca-out"] : opts.database_path + ".ca.pem";
    std::ofstream{ca_out} << backend.certificate_pem();
    std::cout << "alter-local: clients must trust " << ca_out << "\n";
  }
  if (agents > 0) {
    alter::backend::bootstrap_spec spec;
    spec.agents = static_cast<int>(agents);
    print_keys(alter::backend::bootstrap(backend.db(), spec));
  }
  std::cout.flush();
  sem_init(&stop_signal, 0, 0);
  auto on_signal = [](int) { sem_post(&stop_signal); };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (sem_wait(&stop_signal) != 0) {
  }
  std::cout << "alter-local: stopping\n";
  return 0;
}

int offline_bootstrap(std::map<std::string, std::string>& flags) {
  if (!flags.count("--db"))
    return usage("bootstrap needs --db FILE");
  long agents = 3;
  if (flags.count("--agents") && !to_int(flags["--agents"], 0, 1000000, agents))
    return usage("--agents must be a number from 0 to 1000000");
  auto provider_url = flags.count("--provider-url") ? flags["--provider-url"]
                                                    : "https://127.0.0.1:8444";
  alter::backend::store db{flags["--db"]};
  // Register the simulated providers at the URL the server will serve them on.
  for (const auto& p : alter::backend::simulated_providers)
    db.put_provider({p.id, provider_url + "/" + p.id, p.id});
  alter::backend::bootstrap_spec spec;
  spec.agents = static_cast<int>(agents);
  print_keys(alter::backend::bootstrap(db, spec));
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return usage();
  std::string command = argv[1];
  std::map<std::string, std::string> flags;
  std::string error;
  if (!parse_flags(argc, argv, flags, error))
    return usage(error.c_str());
  try {
    if (command == "serve")
      return serve(flags);
    if (command == "bootstrap")
      return offline_bootstrap(flags);
  } catch (const std::exception& e) {
    std::cerr << "alter-local: " << e.what() << "\n";
    return 1;
  }
  return usage(("unknown command " + command).c_str());
}
