// What a swarm run measured, mergeable across workers.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "tools/swarm/latency_histogram.hpp"
#include "tools/swarm/run_setup.hpp"

namespace alter::swarm {

/// What became of one worker of a distributed run.
enum class worker_fate {
  /// Drove its share and sent its report.
  reported,
  /// Its link closed or went silent after the run started (killed, crashed,
  /// cut off): its share is not counted.
  lost,
  /// Joined, but the run never started because another worker did not join.
  called_off,
  /// Did not join within the join timeout.
  never_joined,
};

/// "reported", "lost", "called_off", "never_joined".
const char* to_string(worker_fate fate);

struct worker_outcome {
  /// 1-based, in the order the workers joined (never-joined ones last).
  std::size_t index = 0;
  worker_fate fate = worker_fate::never_joined;
  /// The worker's CAF node (host hash and process id); empty if it never joined.
  std::string node;
  /// Its share of the scenario and what its report counted.
  std::size_t agents = 0;
  std::size_t calls_counted = 0;
  /// Why it was lost or called off, for people.
  std::string reason;
};

/// The run's OAuth grants as the embedded backend saw them (all zero when the
/// scenario has none, or the backend is not this process's).
struct oauth_figures {
  /// OAuth grants the agents shared.
  std::size_t grants = 0;
  /// Refreshes the authorization server granted, and refresh requests it refused.
  int64_t refreshes = 0;
  int64_t refused_refreshes = 0;
  /// Refreshes that ended without new tokens (the server refused or was
  /// unreachable), grants flagged for re-authorisation, and callers answered
  /// 409 token_refresh_in_progress after waiting for someone else's refresh.
  int64_t failed = 0;
  int64_t reauth_required = 0;
  int64_t waited_out = 0;
  /// Access tokens that reached a provider after they had expired: a refresh
  /// came too late. Must stay 0.
  int64_t expired_presentations = 0;
};

struct swarm_report {
  std::string scenario;
  std::size_t agents = 0;
  std::size_t calls = 0;
  std::size_t succeeded = 0;
  /// Refusals the scenario asked for: policy denials of "denied" calls and the
  /// approver's denials of "approval" calls.
  std::size_t expected_refusals = 0;
  /// Calls by type (retrieve, proxy, denied, approval, constrained, traced).
  std::map<std::string, std::size_t> calls_by_kind;
  /// Errors by code, expected refusals included.
  std::map<std::string, std::size_t> errors;
  /// Calls that ended other than the scenario expects, by call type.
  std::map<std::string, std::size_t> failures_by_kind;
  /// Latency of calls that ended as expected, by call type.
  std::map<std::string, latency_histogram> latency;
  /// Latency of failed calls by error code (how fast a failure comes back).
  std::map<std::string, latency_histogram> error_latency;
  /// Held calls by outcome: executed, denied, expired, failed, timeout.
  std::map<std::string, std::size_t> approvals;
  /// Attempts beyond the first, summed over all calls.
  std::size_t retries = 0;
  /// The shared retry budget's tokens at the start, at the end and at the lowest.
  int64_t budget_start = 0;
  int64_t budget_end = 0;
  int64_t budget_min = 0;
  /// Calls completed per step of the run (throughput over time).
  std::vector<uint32_t> timeline;
  double timeline_step_seconds = 0.25;
  double seconds = 0;
  /// Largest resident set of the process(es), KiB.
  uint64_t peak_rss_kib = 0;
  std::size_t workers = 1;
  /// A distributed run's workers, filled by the coordinator (never sent over
  /// the cluster link); empty for a single process.
  std::vector<worker_outcome> cluster;
  /// Calls the scenario planned (0 when it runs for a duration).
  std::size_t calls_planned = 0;
  /// Filled by the process that runs the backend (never sent by a worker).
  oauth_figures oauth;
  /// Filled by the process that writes the report (never sent by a worker).
  run_setup setup;
  /// The SDK runtime's pools and retry budget at the end, as Prometheus text
  /// (runtime_stats.hpp); empty for a coordinator, whose workers drive.
  std::string sdk_metrics;

  /// False when a worker did not report: the counts are partial.
  bool complete() const noexcept {
    for (const auto& w : cluster)
      if (w.fate != worker_fate::reported)
        return false;
    return true;
  }

  /// Calls that ended other than the scenario expects.
  std::size_t failed() const noexcept {
    return calls - succeeded - expected_refusals;
  }

  /// Calls per second.
  double throughput() const noexcept {
    return seconds > 0 ? static_cast<double>(calls) / seconds : 0.0;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, swarm_report& x) {
  return f(caf::meta::type_name("swarm_report"), x.scenario, x.agents, x.calls,
           x.succeeded, x.expected_refusals, x.calls_by_kind, x.errors, x.latency,
           x.error_latency, x.approvals, x.retries, x.budget_start, x.budget_end,
           x.budget_min, x.timeline, x.timeline_step_seconds, x.seconds, x.peak_rss_kib,
           x.workers, x.failures_by_kind);
}

/// What a partial run's report misses, one sentence per worker that did not
/// report; empty when the run is complete.
std::string describe_missing(const swarm_report& r);

/// Adds `part` (another worker's report) to `into`.
void merge(swarm_report& into, const swarm_report& part);

/// A human-readable summary.
void print(std::ostream& out, const swarm_report& r);

/// The report as JSON (percentiles computed, samples left out).
std::string to_json(const swarm_report& r);

/// A self-contained HTML page (inline SVG charts, no network): the verdict and
/// the set-up, totals, failures by call type, latency percentiles per call
/// type, a latency histogram, throughput over time, errors and approvals.
std::string to_html(const swarm_report& r);

/// The process's peak resident set (VmHWM), KiB; 0 when unknown.
uint64_t peak_rss_kib();

} // namespace alter::swarm
