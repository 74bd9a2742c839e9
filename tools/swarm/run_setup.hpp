// How a swarm run was set up, as its report opens with it: what ran, against
// what, with which program, when. Filled by the process that writes the report.
#pragma once

#include <string>

#include "tools/swarm/scenario.hpp"

namespace alter::swarm {

struct run_setup {
  std::string scenario;
  /// "retrieve=4,proxy=4,..." (the types with a weight).
  std::string mix;
  std::string fault_profile;
  uint64_t seed = 0;
  uint64_t agents = 0;
  uint64_t concurrency = 0;
  /// "4 calls per agent" or "30 s".
  std::string length;
  /// "embedded backend at https://127.0.0.1:PORT" or the URL of --target.
  std::string target;
  std::string version;
  /// UTC, ISO 8601.
  std::string started_at;
};

/// The set-up of a run of `s` against `target`, started now.
run_setup describe_run(const scenario& s, std::string target);

/// The mix as "name=weight" pairs, the zero weights left out.
std::string mix_text(const call_mix_weights& mix);

} // namespace alter::swarm
