#include "tools/swarm/swarm_report.hpp"

#include <cstdio>

namespace alter::swarm {

void print(std::ostream& out, const swarm_report& r) {
  char line[256];
  std::snprintf(line, sizeof(line),
                "swarm: %zu agents, %zu calls in %.2f s (%.0f calls/s), %zu ok, "
                "%zu failed, %zu retries\n",
                r.agents, r.calls, r.seconds, r.throughput(), r.succeeded, r.failed(),
                r.retries);
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
    for (const auto& [code, n] : r.errors) {
      auto it = r.error_latency.find(code);
      std::snprintf(line, sizeof(line), "    %-24s %7zu  (p50 %.2f ms, p99 %.2f ms)\n",
                    code.c_str(), n,
                    it == r.error_latency.end() ? 0.0 : it->second.percentile(0.5),
                    it == r.error_latency.end() ? 0.0 : it->second.percentile(0.99));
      out << line;
    }
  }
}

} // namespace alter::swarm
