// PASS or FAIL, and why: the one judgement of a run that the report opens with
// and the exit status follows.
#pragma once

#include <string>
#include <vector>

#include "tools/swarm/swarm_report.hpp"

namespace alter::swarm {

struct run_verdict {
  bool pass = false;
  /// One sentence per reason; for a pass, what it rests on.
  std::vector<std::string> reasons;
};

/// FAIL when a call ended other than the scenario expects, when no call was
/// made, when a worker did not report, or when the run's OAuth grants did not
/// stay alive; PASS otherwise.
run_verdict judge(const swarm_report& r);

} // namespace alter::swarm
