// swarm_report as JSON: what the HTML page shows, for scripts and CI.
#include <boost/json.hpp>

#include "tools/swarm/run_verdict.hpp"
#include "tools/swarm/swarm_report.hpp"

namespace alter::swarm {

namespace {

namespace json = boost::json;

json::object percentiles(const latency_histogram& h) {
  return {{"count", h.count()},
          {"p50_ms", h.percentile(0.5)},
          {"p90_ms", h.percentile(0.9)},
          {"p99_ms", h.percentile(0.99)},
          {"p999_ms", h.percentile(0.999)},
          {"max_ms", h.max()}};
}

template <class Map>
json::object counts(const Map& m) {
  json::object out;
  for (const auto& [k, v] : m)
    out[k] = v;
  return out;
}

} // namespace

std::string to_json(const swarm_report& r) {
  json::object latency;
  for (const auto& [kind, h] : r.latency)
    latency[kind] = percentiles(h);
  json::object error_latency;
  for (const auto& [code, h] : r.error_latency)
    error_latency[code] = percentiles(h);
  json::array timeline;
  for (auto n : r.timeline)
    timeline.push_back(n);
  auto verdict = judge(r);
  json::array reasons;
  for (const auto& why : verdict.reasons)
    reasons.push_back(json::string{why});
  const auto& setup = r.setup;
  json::object out{
      {"verdict", {{"result", verdict.pass ? "PASS" : "FAIL"}, {"reasons", reasons}}},
      {"setup",
       {{"scenario", setup.scenario},
        {"mix", setup.mix},
        {"fault_profile", setup.fault_profile},
        {"seed", setup.seed},
        {"agents", setup.agents},
        {"concurrency", setup.concurrency},
        {"length", setup.length},
        {"target", setup.target},
        {"version", setup.version},
        {"started_at", setup.started_at}}},
      {"scenario", r.scenario},
      {"agents", r.agents},
      {"workers", r.workers},
      {"calls", r.calls},
      {"succeeded", r.succeeded},
      {"expected_refusals", r.expected_refusals},
      {"failed", r.failed()},
      {"seconds", r.seconds},
      {"calls_per_second", r.throughput()},
      {"calls_by_kind", counts(r.calls_by_kind)},
      {"latency", std::move(latency)},
      {"errors", counts(r.errors)},
      {"failures_by_kind", counts(r.failures_by_kind)},
      {"error_latency", std::move(error_latency)},
      {"approvals", counts(r.approvals)},
      {"retries", r.retries},
      {"retry_budget",
       {{"start", r.budget_start}, {"end", r.budget_end}, {"lowest", r.budget_min}}},
      {"timeline_step_seconds", r.timeline_step_seconds},
      {"timeline", std::move(timeline)},
      {"peak_rss_kib", r.peak_rss_kib},
      {"oauth",
       {{"grants", r.oauth.grants},
        {"refreshes", r.oauth.refreshes},
        {"refused_refreshes", r.oauth.refused_refreshes},
        {"failed", r.oauth.failed},
        {"waited_out", r.oauth.waited_out},
        {"reauth_required", r.oauth.reauth_required},
        {"expired_presentations", r.oauth.expired_presentations}}}};
  if (!r.cluster.empty()) {
    json::array workers;
    for (const auto& w : r.cluster)
      workers.push_back({{"worker", w.index},
                         {"state", to_string(w.fate)},
                         {"node", w.node},
                         {"agents", w.agents},
                         {"calls_counted", w.calls_counted},
                         {"reason", w.reason}});
    out["cluster"] = {{"complete", r.complete()},
                      {"calls_planned", r.calls_planned},
                      {"workers", std::move(workers)}};
  }
  return json::serialize(out);
}

} // namespace alter::swarm
