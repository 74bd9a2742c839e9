// swarm_report as one self-contained HTML page: inline CSS and SVG, no script,
// nothing fetched, so it opens from a file on a machine without a network.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "alter/backend/http/html_page.hpp"
#include "tools/swarm/run_verdict.hpp"
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

/// Text at (x, y) in the charts' small type; `anchor` start, middle or end.
std::string label_at(double x, double y, const std::string& text,
                     const char* anchor = "middle", const char* extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y)
         + "\" font-size=\"12\" text-anchor=\"" + anchor + "\"" + extra + ">"
         + escape(text) + "</text>";
}

/// A y axis from 0 to `top` with three labelled ticks and its title, turned.
std::string y_axis(double left, double h, double top, const std::string& unit,
                   const std::string& title, const char* fmt) {
  std::string svg;
  for (double f : {0.0, 0.5, 1.0}) {
    double y = h - f * (h - 10);
    svg += "<line x1=\"" + num(left - 4) + "\" x2=\"" + num(left) + "\" y1=\"" + num(y)
           + "\" y2=\"" + num(y) + "\" stroke=\"#888\"/>"
           + label_at(left - 6, y + 4, num(top * f, fmt) + unit, "end");
  }
  svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(left) + "\" y1=\"0\" y2=\""
         + num(h) + "\" stroke=\"#888\"/>";
  return svg
         + label_at(14, h / 2, title, "middle",
                    (" transform=\"rotate(-90 14 " + num(h / 2) + ")\"").c_str());
}

/// Latency histogram: log-spaced buckets from 0.1 ms to 100 s, one bar series
/// per call type, each bar the share of that type's calls.
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
  const double w = 720, h = 240, left = 70, bottom = 45;
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
           + "\" stroke=\"#ccc\"/>" + label_at(x, h + 16, num(tick, "%.0f") + " ms");
  }
  svg += y_axis(left, h, top * 100, " %", "share of the type's calls", "%.0f");
  svg += label_at(left + (w - left) / 2, h + 38, "latency, ms (log scale)");
  svg += "</svg><p>";
  std::size_t k = 0;
  for (const auto& [kind, hist] : r.latency)
    svg += "<span style=\"color:" + std::string{palette[k++ % 6]} + "\">&#9632; "
           + escape(kind) + " (" + std::to_string(hist.count()) + " calls)</span> ";
  return svg + "</p>";
}

/// Calls completed per second over the run.
std::string throughput_chart(const swarm_report& r) {
  const double w = 720, h = 200, left = 70, bottom = 45;
  std::string svg = "<svg viewBox=\"0 0 " + num(w, "%.0f") + " "
                    + num(h + bottom, "%.0f")
                    + "\" role=\"img\" aria-label=\"throughput over time\">";
  double step = r.timeline_step_seconds > 0 ? r.timeline_step_seconds : 1;
  double top = 0;
  for (auto n : r.timeline)
    top = std::max(top, n / step);
  double span = step * static_cast<double>(r.timeline.size());
  auto x_of = [&](std::size_t i) {
    return left
           + (w - left) * static_cast<double>(i)
                 / static_cast<double>(std::max<std::size_t>(1, r.timeline.size() - 1));
  };
  std::string points;
  for (std::size_t i = 0; i < r.timeline.size(); ++i) {
    double y = h - (top > 0 ? r.timeline[i] / step / top * (h - 10) : 0);
    points += num(x_of(i)) + "," + num(y) + " ";
  }
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
         + points + "\"/>";
  svg += y_axis(left, h, top, "", "calls completed per second", "%.0f");
  for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    double x = left + (w - left) * f;
    svg += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(h)
           + "\" y2=\"" + num(h + 4) + "\" stroke=\"#888\"/>"
           + label_at(x, h + 16, num(span * f, "%.1f") + " s");
  }
  svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(w) + "\" y1=\"" + num(h)
         + "\" y2=\"" + num(h) + "\" stroke=\"#888\"/>"
         + label_at(left + (w - left) / 2, h + 38, "seconds since the start");
  return svg + "</svg>";
}

/// A table of counts; nothing at all when there is nothing to count.
template <class Map>
std::string count_table(const char* title, const Map& m) {
  if (m.empty())
    return {};
  std::string out = "<table><tr><th>" + std::string{title} + "</th><th>count</th></tr>";
  for (const auto& [k, v] : m)
    out += "<tr><td>" + escape(k) + "</td><td>" + std::to_string(v) + "</td></tr>";
  return out + "</table>";
}

std::string setup_table(const run_setup& s) {
  auto row = [](const char* name, const std::string& value) {
    return value.empty() ? std::string{}
                         : "<tr><td>" + std::string{name} + "</td><td>" + escape(value)
                               + "</td></tr>";
  };
  auto rows
      = row("scenario", s.scenario) + row("call mix", s.mix)
        + row("fault profile", s.fault_profile)
        + row("seed", s.scenario.empty() ? "" : std::to_string(s.seed))
        + row("agents", s.scenario.empty() ? "" : std::to_string(s.agents))
        + row("concurrency", s.scenario.empty() ? "" : std::to_string(s.concurrency))
        + row("length", s.length) + row("target", s.target) + row("version", s.version)
        + row("started", s.started_at);
  if (rows.empty())
    return {};
  return "<h2>Set-up</h2><table class=\"setup\">" + rows + "</table>";
}

} // namespace

std::string to_html(const swarm_report& r) {
  std::string body;
  auto verdict = judge(r);
  body += "<h1>alter-swarm: " + escape(r.scenario) + "</h1>";
  body += std::string{"<p class=\"verdict "} + (verdict.pass ? "pass" : "fail")
          + "\" id=\"verdict\"><strong>" + (verdict.pass ? "PASS" : "FAIL")
          + "</strong>: ";
  for (std::size_t i = 0; i < verdict.reasons.size(); ++i)
    body += (i == 0 ? "" : "; ") + escape(verdict.reasons[i]);
  body += ".</p>" + setup_table(r.setup) + "<h2>Totals</h2><p>"
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
  if (!r.failures_by_kind.empty())
    body += "<h2>Failures by call type</h2>"
            + count_table("call type", r.failures_by_kind);
  if (!r.latency.empty()) {
    body
        += "<h2>Latency by call type</h2><table><tr><th>type</th><th>calls</th><th>p50 "
           "ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>";
    for (const auto& [kind, h] : r.latency)
      body += "<tr><td>" + escape(kind) + "</td><td>" + std::to_string(h.count())
              + "</td><td>" + num(h.percentile(0.5)) + "</td><td>"
              + num(h.percentile(0.9)) + "</td><td>" + num(h.percentile(0.99))
              + "</td><td>" + num(h.percentile(0.999)) + "</td><td>" + num(h.max())
              + "</td></tr>";
    body += "</table><h2>Latency histogram</h2>" + latency_chart(r);
  }
  if (!r.timeline.empty())
    body += "<h2>Throughput over time</h2>" + throughput_chart(r);
  auto tables = count_table("call type", r.calls_by_kind)
                + count_table("error code", r.errors)
                + count_table("approval outcome", r.approvals);
  if (!tables.empty())
    body += "<h2>Calls, errors and approvals</h2><div class=\"row\">" + tables
            + "</div>";
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
         "flex-start}.verdict{font-size:1.3em;padding:.4em "
         ".6em}.pass{background:#e6f4ea}"
         ".fail{background:#fce8e6}table.setup td{text-align:left}svg{width:100%;"
         "height:auto;border:1px solid #eee}</style></head><body>"
         + body + "</body></html>";
}

} // namespace alter::swarm
