#include "tools/swarm/swarm_report.hpp"

#include <cstdio>

namespace alter::swarm {

void print(std::ostream& out, const swarm_report& r) {
  char line[256];
  std::snprintf(line, sizeof(line),
                "swarm: %zu agents, %zu calls in %.2f s (%.0f calls/s), %zu ok, "
                "%zu failed\n",
                r.agents, r.calls, r.seconds, r.seconds > 0 ? r.calls / r.seconds : 0.0,
                r.succeeded, r.failed());
  out << line;
  for (const auto& [kind, h] : r.latency) {
    std::snprintf(line, sizeof(line),
                  "  %-8s %7zu calls  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  "
                  "max %7.2f ms\n",
                  kind.c_str(), h.count(), h.percentile(0.5), h.percentile(0.9),
                  h.percentile(0.99), h.max());
    out << line;
  }
  if (r.errors.empty()) {
    out << "  errors: none\n";
  } else {
    out << "  errors by code:\n";
    for (const auto& [code, n] : r.errors)
      out << "    " << code << ": " << n << "\n";
  }
}

} // namespace alter::swarm
