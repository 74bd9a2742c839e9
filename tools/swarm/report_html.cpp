// swarm_report as one self-contained HTML page: inline CSS and SVG, no script,
// nothing fetched, so it opens from a file on a machine without a network.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "alter/backend/http/html_page.hpp"
#include "tools/swarm/swarm_report.hpp"

namespace alter::swarm {

namespace {

std::string escape(const std::string& s) {
  return backend::escape_html(s);
}

std::string num(double v, const char* fmt = "%.2f") {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

constexpr const char* palette[]
    = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

/// Latency histogram: log-spaced buckets from 0.1 ms to 100 s, one bar series
/// per call type.
std::string latency_chart(const swarm_report& r) {
  constexpr int buckets = 30;
  constexpr double lo = 0.1;
  constexpr double hi = 100000.0;
  auto bucket_of = [&](double ms) {
    auto x = std::log10(std::max(ms, lo) / lo) / std::log10(hi / lo);
    return std::clamp(static_cast<int>(x * buckets), 0, buckets - 1);
  };
  std::vector<std::vector<double>> share;
  double top = 0;
  for (const auto& [kind, h] : r.latency) {
    std::vector<double> counts(buckets, 0.0);
    for (double s : h.sorted_samples())
      counts[bucket_of(s)] += 1;
    for (auto& c : counts) {
      c = h.count() ? c / static_cast<double>(h.count()) : 0;
      top = std::max(top, c);
    }
    share.push_back(std::move(counts));
  }
  const double w = 720, h = 240, left = 40, bottom = 30;
  std::string svg = "<svg viewBox=\"0 0 " + num(w, "%.0f") + " "
                    + num(h + bottom, "%.0f")
                    + "\" role=\"img\" aria-label=\"latency histogram\">";
  double bar = (w - left) / buckets
               / static_cast<double>(std::max<std::size_t>(1, share.size()));
  for (std::size_t k = 0; k < share.size(); ++k)
    for (int b = 0; b < buckets; ++b) {
      double height = top > 0 ? share[k][b] / top * (h - 10) : 0;
      double x = left + static_cast<double>(b * share.size() + k) * bar;
      svg += "<rect x=\"" + num(x) + "\" y=\"" + num(h - height) + "\" width=\""
             + num(std::max(bar - 0.5, 0.5)) + "\" height=\"" + num(height)
             + "\" fill=\"" + palette[k % 6] + "\"/>";
    }
  for (double tick : {1.0, 10.0, 100.0, 1000.0, 10000.0}) {
    double x = left + (w - left) * std::log10(tick / lo) / std::log10(hi / lo);
    svg += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"0\" y2=\"" + num(h)
           + "\" stroke=\"#ccc\"/><text x=\"" + num(x) + "\" y=\"" + num(h + 20)
           + "\" font-size=\"12\" text-anchor=\"middle\">" + num(tick, "%.0f")
           + " ms</text>";
  }
  svg += "</svg><p>";
  std::size_t k = 0;
  for (const auto& entry : r.latency)
    svg += "<span style=\"color:" + std::string{palette[k++ % 6]} + "\">&#9632; "
           + escape(entry.first) + "</span> ";
  return svg + "</p>";
}

/// Calls completed per second over the run.
std::string throughput_chart(const swarm_report& r) {
  const double w = 720, h = 200, left = 50, bottom = 30;
  std::string svg = "<svg viewBox=\"0 0 " + num(w, "%.0f") + " "
                    + num(h + bottom, "%.0f")
                    + "\" role=\"img\" aria-label=\"throughput over time\">";
  if (r.timeline.empty())
    return svg + "</svg>";
  double step = r.timeline_step_seconds > 0 ? r.timeline_step_seconds : 1;
  double top = 0;
  for (auto n : r.timeline)
    top = std::max(top, n / step);
  std::string points;
  for (std::size_t i = 0; i < r.timeline.size(); ++i) {
    double x
        = left
          + (w - left) * static_cast<double>(i)
                / static_cast<double>(std::max<std::size_t>(1, r.timeline.size() - 1));
    double y = h - (top > 0 ? r.timeline[i] / step / top * (h - 10) : 0);
    points += num(x) + "," + num(y) + " ";
  }
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
         + points + "\"/><text x=\"0\" y=\"12\" font-size=\"12\">" + num(top, "%.0f")
         + "/s</text><text x=\"" + num(w) + "\" y=\"" + num(h + 20)
         + "\" font-size=\"12\" text-anchor=\"end\">"
         + num(step * static_cast<double>(r.timeline.size()), "%.1f")
         + " s</text></svg>";
  return svg;
}

template <class Map>
std::string count_table(const char* title, const Map& m) {
  std::string out = "<table><tr><th>" + std::string{title} + "</th><th>count</th></tr>";
  for (const auto& [k, v] : m)
    out += "<tr><td>" + escape(k) + "</td><td>" + std::to_string(v) + "</td></tr>";
  return out + "</table>";
}

} // namespace

std::string to_html(const swarm_report& r) {
  std::string body;
  body += "<h1>alter-swarm: " + escape(r.scenario) + "</h1><p>"
          + std::to_string(r.agents) + " agents on " + std::to_string(r.workers)
          + " worker(s), " + std::to_string(r.calls) + " calls in " + num(r.seconds)
          + " s: <strong>" + num(r.throughput(), "%.0f") + " calls/s</strong>; "
          + std::to_string(r.succeeded) + " succeeded, "
          + std::to_string(r.expected_refusals) + " refused as the scenario expects, "
          + "<strong>" + std::to_string(r.failed()) + " failed</strong>; "
          + std::to_string(r.retries) + " retries; peak memory "
          + num(static_cast<double>(r.peak_rss_kib) / 1024.0, "%.1f") + " MiB.</p>";
  if (!r.complete())
    body += "<p><strong>Partial run:</strong> " + escape(describe_missing(r)) + ".</p>";
  body += "<h2>Latency by call type</h2><table><tr><th>type</th><th>calls</th><th>p50 "
          "ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>";
  for (const auto& [kind, h] : r.latency)
    body += "<tr><td>" + escape(kind) + "</td><td>" + std::to_string(h.count())
            + "</td><td>" + num(h.percentile(0.5)) + "</td><td>"
            + num(h.percentile(0.9)) + "</td><td>" + num(h.percentile(0.99))
            + "</td><td>" + num(h.percentile(0.999)) + "</td><td>" + num(h.max())
            + "</td></tr>";
  body += "</table><h2>Latency histogram</h2>" + latency_chart(r);
  body += "<h2>Throughput over time</h2>" + throughput_chart(r);
  body += "<h2>Calls, errors and approvals</h2><div class=\"row\">"
          + count_table("call type", r.calls_by_kind)
          + count_table("error code", r.errors)
          + count_table("approval outcome", r.approvals) + "</div>";
  if (r.oauth.grants > 0)
    body += "<h2>OAuth grants</h2><p>" + std::to_string(r.oauth.grants)
            + " shared grant(s): " + std::to_string(r.oauth.refreshes) + " refreshes, "
            + std::to_string(r.oauth.refused_refreshes) + " refused by the server, "
            + std::to_string(r.oauth.failed) + " failed, "
            + std::to_string(r.oauth.waited_out) + " callers waited out, "
            + std::to_string(r.oauth.reauth_required)
            + " re-authorisations needed, <strong>"
            + std::to_string(r.oauth.expired_presentations)
            + " expired tokens at a provider</strong>.</p>";
  body += "<h2>Retry budget</h2><p>" + std::to_string(r.budget_start)
          + " tokens at the start, " + std::to_string(r.budget_end) + " at the end, "
          + std::to_string(r.budget_min) + " at the lowest.</p>";
  return "<!doctype html><html lang=\"en\"><head><meta "
         "charset=\"utf-8\"><title>alter-swarm "
         "report</title><style>body{font-family:sans-serif;max-width:60em;margin:2em "
         "auto;color:#222}table{border-collapse:collapse;margin:0 1.5em 1em "
         "0}td,th{border:1px solid #ddd;padding:.2em "
         ".6em;text-align:right}td:first-child,"
         "th:first-child{text-align:left}.row{display:flex;flex-wrap:wrap;align-items:"
         "flex-start}svg{width:100%;"
         "height:auto;border:1px solid #eee}</style></head><body>"
         + body + "</body></html>";
}

} // namespace alter::swarm
