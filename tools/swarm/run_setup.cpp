#include "tools/swarm/run_setup.hpp"

#include <chrono>
#include <ctime>

#include "alter/version.hpp"

namespace alter::swarm {

namespace {

std::string utc_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&t, &parts);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buf;
}

} // namespace

std::string mix_text(const call_mix_weights& mix) {
  std::string out;
  auto add = [&](const char* name, unsigned weight) {
    if (weight == 0)
      return;
    out += out.empty() ? "" : ",";
    out += std::string{name} + "=" + std::to_string(weight);
  };
  add("retrieve", mix.retrieve);
  add("proxy", mix.proxy);
  add("denied", mix.denied);
  add("approval", mix.approval);
  add("constrained", mix.constrained);
  add("traced", mix.traced);
  return out;
}

run_setup describe_run(const scenario& s, std::string target) {
  run_setup out;
  out.scenario = s.name;
  out.mix = mix_text(s.mix);
  out.fault_profile = s.fault_profile;
  out.seed = s.seed;
  out.agents = s.agents;
  out.concurrency = s.concurrency;
  out.length = s.duration_seconds > 0
                   ? std::to_string(s.duration_seconds) + " s"
                   : std::to_string(s.calls_per_agent) + " calls per agent";
  out.target = std::move(target);
  out.version = std::string{alter::version()};
  out.started_at = utc_now();
  return out;
}

} // namespace alter::swarm
