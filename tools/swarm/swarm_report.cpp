#include "tools/swarm/swarm_report.hpp"

#include "tools/swarm/run_verdict.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace alter::swarm {

const char* to_string(worker_fate fate) {
  switch (fate) {
    case worker_fate::reported:
      return "reported";
    case worker_fate::lost:
      return "lost";
    case worker_fate::called_off:
      return "called_off";
    case worker_fate::never_joined:
      return "never_joined";
  }
  return "unknown";
}

std::string describe_missing(const swarm_report& r) {
  std::string out;
  std::size_t reported = 0;
  for (const auto& w : r.cluster) {
    auto who = "worker " + std::to_string(w.index)
               + (w.node.empty() ? std::string{} : " (node " + w.node + ")");
    switch (w.fate) {
      case worker_fate::reported:
        ++reported;
        continue;
      case worker_fate::lost:
        out += who + " was lost after the run started (" + w.reason + "): its "
               + std::to_string(w.agents) + " agents are not counted; ";
        break;
      case worker_fate::called_off:
        out += who + " joined, but the run was called off (" + w.reason + "); ";
        break;
      case worker_fate::never_joined:
        out += who + " never joined (" + w.reason + "); ";
        break;
    }
  }
  if (out.empty())
    return out;
  out += "counted " + std::to_string(r.calls)
         + (r.calls_planned > 0 ? " of " + std::to_string(r.calls_planned) + " planned"
                                : std::string{})
         + " calls from " + std::to_string(reported) + " of "
         + std::to_string(r.cluster.size()) + " workers";
  return out;
}

void merge(swarm_report& into, const swarm_report& part) {
  auto add = [](auto& to, const auto& from) {
    for (const auto& [k, v] : from)
      to[k] += v;
  };
  into.agents += part.agents;
  into.calls += part.calls;
  into.succeeded += part.succeeded;
  into.expected_refusals += part.expected_refusals;
  add(into.calls_by_kind, part.calls_by_kind);
  add(into.errors, part.errors);
  add(into.failures_by_kind, part.failures_by_kind);
  add(into.approvals, part.approvals);
  for (const auto& [k, h] : part.latency)
    into.latency[k].merge(h);
  for (const auto& [k, h] : part.error_latency)
    into.error_latency[k].merge(h);
  into.retries += part.retries;
  into.budget_start += part.budget_start;
  into.budget_end += part.budget_end;
  into.budget_min += part.budget_min;
  if (into.timeline.size() < part.timeline.size())
    into.timeline.resize(part.timeline.size());
  for (std::size_t i = 0; i < part.timeline.size(); ++i)
    into.timeline[i] += part.timeline[i];
  into.seconds = std::max(into.seconds, part.seconds);
  into.peak_rss_kib = std::max(into.peak_rss_kib, part.peak_rss_kib);
}

void print(std::ostream& out, const swarm_report& r) {
  auto verdict = judge(r);
  out << (verdict.pass ? "PASS" : "FAIL");
  for (std::size_t i = 0; i < verdict.reasons.size(); ++i)
    out << (i == 0 ? ": " : "; ") << verdict.reasons[i];
  out << "\n";
  char line[256];
  std::snprintf(line, sizeof(line),
                "swarm: %zu agents, %zu calls in %.2f s (%.0f calls/s): %zu ok, %zu "
                "refused as expected, %zu failed; %zu retries\n",
                r.agents, r.calls, r.seconds, r.throughput(), r.succeeded,
                r.expected_refusals, r.failed(), r.retries);
  out << line;
  for (const auto& [kind, h] : r.latency) {
    std::snprintf(line, sizeof(line),
                  "  %-12s %8zu  p50 %7.2f  p90 %7.2f  p99 %7.2f  p99.9 %7.2f ms\n",
                  kind.c_str(), h.count(), h.percentile(0.5), h.percentile(0.9),
                  h.percentile(0.99), h.percentile(0.999));
    out << line;
  }
  if (!r.failures_by_kind.empty()) {
    out << "  failures by call type:";
    for (const auto& [kind, n] : r.failures_by_kind)
      out << " " << kind << " " << n;
    out << "\n";
  }
  if (!r.errors.empty()) {
    out << "  errors by code:";
    for (const auto& [code, n] : r.errors)
      out << " " << code << " " << n;
    out << "\n";
  }
  if (!r.approvals.empty()) {
    out << "  approvals:";
    for (const auto& [outcome, n] : r.approvals)
      out << " " << outcome << " " << n;
    out << "\n";
  }
  if (r.oauth.grants > 0) {
    std::snprintf(line, sizeof(line),
                  "  oauth: %zu shared grant(s), %lld refreshes (%lld refused by the "
                  "server, %lld failed), %lld waited out, %lld re-authorisations "
                  "needed, %lld expired tokens at a provider\n",
                  r.oauth.grants, static_cast<long long>(r.oauth.refreshes),
                  static_cast<long long>(r.oauth.refused_refreshes),
                  static_cast<long long>(r.oauth.failed),
                  static_cast<long long>(r.oauth.waited_out),
                  static_cast<long long>(r.oauth.reauth_required),
                  static_cast<long long>(r.oauth.expired_presentations));
    out << line;
  }
  std::snprintf(line, sizeof(line),
                "  retry budget: %lld tokens at start, %lld at the end, %lld at the "
                "lowest; peak memory %.1f MiB\n",
                static_cast<long long>(r.budget_start),
                static_cast<long long>(r.budget_end),
                static_cast<long long>(r.budget_min),
                static_cast<double>(r.peak_rss_kib) / 1024.0);
  out << line;
  if (!r.complete())
    out << "  PARTIAL: " << describe_missing(r) << "\n";
}

uint64_t peak_rss_kib() {
  std::ifstream status{"/proc/self/status"};
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      uint64_t kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(1 << 16, '\n');
  }
  return 0;
}

} // namespace alter::swarm
