// alter-swarm: the project's main job. A swarm of agent actors working through
// the SDK against the backend, the way a multi-agent orchestration host would:
// retrieve and proxy calls, calls that policy denies, calls held for a
// simulated approver, constrained sub-clients and traced runs. Prints a live
// progress line and a summary, and writes the report as JSON and HTML.
//
//   alter-swarm [--scenario FILE] [scenario flags] [--report-dir DIR]
//   alter-swarm --coordinator --workers N [--port P] [--bind ADDR]
//               [--cluster-certs DIR] [--join-timeout S] [--insecure-plain-cluster] ...
//   alter-swarm --worker HOST:PORT [--cluster-certs DIR] [--insecure-plain-cluster]
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"

#include "alter/backend/local_backend.hpp"
#include "tools/cli/command_line.hpp"
#include "tools/swarm/distributed.hpp"
#include "tools/swarm/remote_target.hpp"
#include "tools/swarm/run_setup.hpp"
#include "tools/swarm/run_verdict.hpp"
#include "tools/swarm/scenario.hpp"
#include "tools/swarm/swarm_target.hpp"

namespace {

using namespace alter::swarm;

/// Where the coordinator writes the cluster's certificates, and where a worker
/// on the same machine finds its copy.
constexpr const char* default_cluster_certs = "swarm-cluster";

struct options {
  scenario plan;
  std::string report_dir = "swarm-reports";
  bool quiet = false;
  bool coordinator = false;
  std::size_t workers = 0;
  std::string worker_of;
  cluster_options cluster;
  /// --target: a deployment the swarm did not start.
  remote_target_options remote;
};

int usage(const std::string& why) {
  std::cerr << "alter-swarm: " << why << "\nRun with --help for more.\n";
  return 2;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in{path};
  if (!in)
    return false;
  std::stringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return true;
}

/// "retrieve=4,proxy=1" as a JSON object for the scenario parser.
std::string mix_json(const std::string& text) {
  std::string out = "{";
  std::stringstream items{text};
  std::string item;
  while (std::getline(items, item, ',')) {
    auto eq = item.find('=');
    if (out.size() > 1)
      out += ",";
    out += "\"" + item.substr(0, eq)
           + "\":" + (eq == std::string::npos ? std::string{"x"} : item.substr(eq + 1));
  }
  return out + "}";
}

/// Numeric scenario flags and the scenario members they set.
const std::map<std::string, std::string>& numeric_flags() {
  static const std::map<std::string, std::string> numeric
      = {{"--agents", "agents"},
         {"--calls-per-agent", "calls_per_agent"},
         {"--duration", "duration_seconds"},
         {"--concurrency", "concurrency"},
         {"--per-agent-window", "per_agent_window"},
         {"--seed", "seed"},
         {"--approver-delay-ms", "approver_delay_ms"},
         {"--approver-deny-ratio", "approver_deny_ratio"}};
  return numeric;
}

/// Applies the command line (as the parser read it) over the defaults and the
/// scenario file.
bool apply(const alter::tools::flag_map& flags, options& opts, std::string& error) {
  std::string file_json = "{}";
  std::map<std::string, std::string> overrides;
  for (const auto& [name, v] : flags) {
    if (name == "--plain") {
      overrides["tls"] = "false";
    } else if (name == "--quiet") {
      opts.quiet = true;
    } else if (name == "--coordinator") {
      opts.coordinator = true;
    } else if (name == "--insecure-plain-cluster") {
      opts.cluster.link = cluster_link::insecure_plain;
    } else if (name == "--scenario" && !read_file(v, file_json)) {
      error = "cannot read the scenario file " + v;
      return false;
    } else if (name == "--report-dir") {
      opts.report_dir = v;
    } else if (name == "--worker") {
      opts.worker_of = v;
    } else if (name == "--bind") {
      opts.cluster.address = v;
    } else if (name == "--cluster-certs") {
      opts.cluster.credentials_dir = v;
    } else if (name == "--target") {
      opts.remote.base_url = v;
    } else if (name == "--target-providers") {
      opts.remote.providers_url = v;
    } else if (name == "--ca-file" && !read_file(v, opts.remote.ca_pem)) {
      error = "cannot read the CA certificate " + v;
      return false;
    } else if (name == "--mix") {
      overrides["mix"] = mix_json(v);
    } else if (name == "--fault-profile") {
      overrides["fault_profile"] = "\"" + v + "\"";
    } else if (name == "--port" || name == "--workers" || name == "--join-timeout") {
      char* end = nullptr;
      auto n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 0 || n > 65535
          || (name != "--port" && n < 1)) {
        error = name
                + " must be a number (workers and join timeout 1 to 65535, "
                  "port 0 to 65535)";
        return false;
      }
      if (name == "--port")
        opts.cluster.port = static_cast<uint16_t>(n);
      else if (name == "--workers")
        opts.workers = static_cast<std::size_t>(n);
      else
        opts.cluster.join_timeout = std::chrono::seconds{n};
    } else if (auto it = numeric_flags().find(name); it != numeric_flags().end()) {
      char* end = nullptr;
      std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0') {
        error = name + " must be a number";
        return false;
      }
      overrides[it->second] = v;
    }
  }
  if (opts.cluster.credentials_dir.empty())
    opts.cluster.credentials_dir = opts.worker_of.empty()
                                       ? std::string{default_cluster_certs}
                                       : std::string{default_cluster_certs} + "/worker";
  if (!opts.worker_of.empty())
    return true;
  // The file first, then the flags over it: one parser checks both.
  auto merged = file_json;
  while (!merged.empty() && merged.back() != '}')
    merged.pop_back();
  if (merged.empty()) {
    error = "the scenario file is not a JSON object";
    return false;
  }
  merged.pop_back();
  bool empty_object = merged.find_first_not_of(" \t\r\n{") == std::string::npos;
  for (const auto& [key, v] : overrides) {
    merged += empty_object ? "\"" : ",\"";
    merged += key;
    merged += "\":";
    merged += v;
    empty_object = false;
  }
  merged += "}";
  auto parsed = parse_scenario(merged, error);
  if (!parsed)
    return false;
  opts.plan = std::move(*parsed);
  if (opts.coordinator && opts.workers == 0) {
    error = "--coordinator needs --workers N";
    return false;
  }
  if (!opts.remote.base_url.empty()) {
    const char* key = std::getenv("ALTER_API_KEY");
    if (key == nullptr || *key == '\0') {
      error = "--target provisions the run's agents with an app key: set ALTER_API_KEY";
      return false;
    }
    opts.remote.app_key = key;
    if (opts.remote.providers_url.empty()) {
      error = "--target needs --target-providers URL (each provider at URL/<id>)";
      return false;
    }
  } else if (!opts.remote.providers_url.empty() || !opts.remote.ca_pem.empty()) {
    error = "--target-providers and --ca-file go with --target URL";
    return false;
  }
  return true;
}

/// The embedded backend's /metrics and the SDK runtime's figures at the end of
/// the run, beside the reports.
void write_metrics(const options& opts, alter::backend::local_backend& backend,
                   const swarm_report& report) {
  std::error_code ec;
  std::filesystem::create_directories(opts.report_dir, ec);
  auto write = [&](const char* name, const std::string& text, const char* what) {
    auto path = opts.report_dir + "/" + name;
    std::ofstream{path} << text;
    std::cout << what << std::filesystem::absolute(path).string() << "\n";
  };
  write("backend-metrics.prom", backend.metrics_text(), "backend metrics: ");
  if (!report.sdk_metrics.empty())
    write("sdk-metrics.prom", report.sdk_metrics, "sdk metrics:     ");
}

/// Prints the summary and writes the JSON and HTML reports; the exit status.
int finish(const options& opts, const swarm_report& report) {
  print(std::cout, report);
  std::error_code ec;
  std::filesystem::create_directories(opts.report_dir, ec);
  auto json_path = opts.report_dir + "/swarm-report.json";
  auto html_path = opts.report_dir + "/swarm-report.html";
  std::ofstream{json_path} << to_json(report) << "\n";
  std::ofstream{html_path} << to_html(report);
  if (!std::ifstream{json_path} || !std::ifstream{html_path}) {
    std::cerr << "alter-swarm: cannot write the reports into " << opts.report_dir
              << "\n";
    return 1;
  }
  std::cout << "reports: " << std::filesystem::absolute(json_path).string() << "\n"
            << "         " << std::filesystem::absolute(html_path).string() << "\n";
  return judge(report).pass ? 0 : 1;
}

/// A run against a deployment the swarm did not start: its agents and grants
/// made through the API first and removed after.
int run_against_target(const options& opts) {
  auto s = opts.plan;
  // The deployment's stored rules stay as they are: no swarm rules, so no
  // calls that need them.
  s.mix.denied = 0;
  s.mix.approval = 0;
  if (s.mix.total() == 0)
    return usage("against --target only retrieve, proxy, constrained and traced "
                 "calls run: the mix has none");
  std::cout << "alter-swarm: scenario " << s.name << ": provisioning " << s.agents
            << " agents at " << opts.remote.base_url << std::endl;
  remote_target remote{s, opts.remote};
  std::cout << "alter-swarm: " << remote.target().agents.size()
            << " agents, grants for";
  for (const auto& p : remote.providers())
    std::cout << " " << p;
  std::cout << std::endl;
  auto setup = describe_run(s, opts.remote.base_url + " (agents made through its API)");
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto report = drive(sys, s, remote.target(), opts.quiet ? nullptr : &std::cerr,
                      isatty(STDERR_FILENO) != 0);
  report.setup = setup;
  auto [grants, agents] = remote.remove();
  std::cout << "alter-swarm: removed " << agents << " agents and revoked " << grants
            << " grants" << std::endl;
  return finish(opts, report);
}

int run_worker(const options& opts) {
  auto colon = opts.worker_of.rfind(':');
  char* end = nullptr;
  auto port = colon == std::string::npos
                  ? 0
                  : std::strtol(opts.worker_of.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || *end != '\0' || port < 1 || port > 65535)
    return usage("--worker needs HOST:PORT");
  std::string error;
  if (!work(opts.worker_of.substr(0, colon), static_cast<uint16_t>(port), opts.cluster,
            error)) {
    std::cerr << "alter-swarm worker: " << error << "\n";
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  using namespace alter::tools;
  auto app = program(
      "alter-swarm",
      "alter-swarm: a swarm of agent actors working through the SDK against the "
      "embedded backend or a running one (--target), alone or spread over "
      "worker processes, with a live progress line and a report in JSON and "
      "HTML. Flags override the scenario file.");
  flag_map flags;
  value_flag(*app, flags, "--scenario", "A scenario file (JSON; docs/swarm.md)");
  value_flag(*app, flags, "--agents", "Agents");
  value_flag(*app, flags, "--calls-per-agent", "Calls each agent makes");
  value_flag(*app, flags, "--duration", "Seconds to run instead of a call count");
  value_flag(*app, flags, "--concurrency", "Calls in flight at most");
  value_flag(*app, flags, "--per-agent-window", "Calls in flight per agent");
  value_flag(*app, flags, "--mix",
             "retrieve=4,proxy=4,denied=1,approval=1,constrained=1,traced=1");
  value_flag(*app, flags, "--fault-profile", "none, light or heavy");
  value_flag(*app, flags, "--seed", "Seed of call types, approver choices, faults");
  value_flag(*app, flags, "--approver-delay-ms", "The simulated approver's think time");
  value_flag(*app, flags, "--approver-deny-ratio", "Share of held calls denied");
  switch_flag(*app, flags, "--plain", "The backend over plain HTTP");
  value_flag(*app, flags, "--report-dir", "Where the reports go (swarm-reports)");
  switch_flag(*app, flags, "--quiet", "No progress line");
  switch_flag(*app, flags, "--coordinator", "Spread the agents over worker processes");
  value_flag(*app, flags, "--workers", "Workers the coordinator waits for");
  value_flag(*app, flags, "--port", "The coordinator's port (0 picks one)");
  value_flag(*app, flags, "--bind", "The coordinator's address");
  value_flag(*app, flags, "--join-timeout", "Seconds to wait for the workers");
  value_flag(*app, flags, "--cluster-certs",
             "The cluster's certificates (swarm-cluster)");
  switch_flag(*app, flags, "--insecure-plain-cluster",
              "Plain TCP between coordinator and workers (loopback only)");
  value_flag(*app, flags, "--worker",
             "Run as a worker of the coordinator at HOST:PORT");
  value_flag(*app, flags, "--target",
             "Run against the backend at URL instead of an embedded one; its "
             "agents and grants are made with the app key in ALTER_API_KEY and "
             "removed at the end");
  value_flag(*app, flags, "--target-providers",
             "With --target: where the providers are (each at URL/<provider id>)");
  value_flag(*app, flags, "--ca-file", "With --target: the backend's CA certificate");
  if (auto code = parse(*app, argc, argv))
    return *code;
  options opts;
  std::string error;
  if (!apply(flags, opts, error))
    return usage(error);
  try {
    if (!opts.worker_of.empty())
      return run_worker(opts);
    if (!opts.remote.base_url.empty()) {
      if (opts.coordinator)
        return usage("--target runs in one process for now, not with --coordinator");
      return run_against_target(opts);
    }
    // Before the backend starts: a refused link costs nothing.
    if (opts.coordinator
        && !link_allowed(opts.cluster.link, opts.cluster.address, error))
      return usage(error);
    const auto& s = opts.plan;
    swarm_target target;
    auto backend = start_embedded(s, target);
    auto setup = describe_run(
        s, "embedded backend at " + target.base_url
               + (opts.coordinator ? ", " + std::to_string(opts.workers) + " workers"
                                   : std::string{}));
    std::cout << "alter-swarm: scenario " << s.name << ": backend on "
              << target.base_url << ", " << target.agents.size() << " agents, "
              << (s.duration_seconds > 0
                      ? std::to_string(s.duration_seconds) + " s"
                      : std::to_string(s.agents * s.calls_per_agent) + " calls")
              << std::endl;
    if (opts.coordinator) {
      auto report = coordinate(
          s, target, opts.workers, opts.cluster,
          [&](uint16_t port) {
            std::cout << "alter-swarm: coordinator listening on "
                      << opts.cluster.address << ":" << port << ", waiting for "
                      << opts.workers << " workers";
            if (opts.cluster.link == cluster_link::mutual_tls)
              std::cout << " (mutual TLS: copy " << opts.cluster.credentials_dir
                        << "/worker/ to each worker, --cluster-certs COPY)";
            else
              std::cout << " (insecure plain TCP on loopback)";
            std::cout << std::endl;
          },
          error, opts.quiet ? nullptr : &std::cerr, isatty(STDERR_FILENO) != 0);
      if (!error.empty())
        std::cerr << "alter-swarm: " << error << "\n";
      if (!report)
        return 1;
      add_oauth_figures(*backend, s, *report);
      report->setup = setup;
      write_metrics(opts, *backend, *report);
      return finish(opts, *report);
    }
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    bool tty = isatty(STDERR_FILENO) != 0;
    auto report = drive(sys, s, target, opts.quiet ? nullptr : &std::cerr, tty);
    add_oauth_figures(*backend, s, report);
    report.setup = setup;
    write_metrics(opts, *backend, report);
    return finish(opts, report);
  } catch (const std::exception& e) {
    std::cerr << "alter-swarm: " << e.what() << "\n";
    return 1;
  }
}
