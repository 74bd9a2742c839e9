#include "alter/backend/api/request_metrics.hpp"

#include <sstream>

#include "alter/backend/api/router.hpp"
#include "alter/messages/http_method.hpp"
#include "alter/messages/prometheus_text.hpp"

namespace alter::backend {

namespace {

/// A method's label from a closed set: a known method, else "other" (the
/// index one past the verbs).
constexpr uint8_t other_method = 7;

uint8_t method_index(std::string_view method) {
  auto m = http_method::parse(method);
  return m && m->name() == method ? static_cast<uint8_t>(m->value()) : other_method;
}

std::string_view method_label(uint8_t index) {
  return index == other_method
             ? std::string_view{"other"}
             : http_method{static_cast<http_method::verb>(index)}.name();
}

/// One histogram's lines; `labels` are the series' own ("" for none).
template <std::size_t N>
void render_histogram(std::ostream& out, std::string_view name,
                      const std::string& labels, const histogram<N>& h,
                      const std::array<double, N>& bounds) {
  auto with = [&](std::string_view more) {
    std::string l = labels;
    if (!l.empty() && !more.empty())
      l += ',';
    l += more;
    return l.empty() ? std::string{} : "{" + l + "}";
  };
  for (std::size_t i = 0; i < N; ++i) {
    std::ostringstream le;
    le << "le=\"" << bounds[i] << "\"";
    out << name << "_bucket" << with(le.str()) << " " << h.buckets[i] << "\n";
  }
  out << name << "_bucket" << with("le=\"+Inf\"") << " " << h.count << "\n"
      << name << "_sum" << with("") << " " << h.sum << "\n"
      << name << "_count" << with("") << " " << h.count << "\n";
}

void render_gauge(std::ostream& out, std::string_view name, std::string_view kind,
                  std::string_view help, uint64_t value) {
  prometheus_series_header(out, name, kind, help);
  out << name << " " << value << "\n";
}

} // namespace

void request_metrics::observe(const route* matched, std::string_view method, int status,
                              double latency_ms) {
  series_key key{matched, method_index(method),
                 status >= 100 && status <= 599 ? status : 0};
  auto seconds = latency_ms / 1000.0;
  std::lock_guard<std::mutex> guard{mtx_};
  series_[key].observe(seconds, latency_buckets);
}

std::string request_metrics::render(const admission_control& admission,
                                    std::size_t queued, const store_stats& commits,
                                    const upstream_stats& upstream) const {
  std::ostringstream out;
  prometheus_series_header(out, "alter_requests_total", "counter",
                           "Answers by route, method and status.");
  std::lock_guard<std::mutex> guard{mtx_};
  auto labels = [](const series_key& key) {
    const auto& [matched, method, status] = key;
    auto pattern = matched != nullptr ? matched->pattern : std::string_view{"-"};
    return "route=\"" + prometheus_label_value(pattern) + "\",method=\""
           + std::string{method_label(method)} + "\",status=\"" + std::to_string(status)
           + "\"";
  };
  for (const auto& [key, s] : series_)
    out << "alter_requests_total{" << labels(key) << "} " << s.count << "\n";
  prometheus_series_header(out, "alter_request_duration_seconds", "histogram",
                           "Time to answer, by route, method and status.");
  for (const auto& [key, s] : series_)
    render_histogram(out, "alter_request_duration_seconds", labels(key), s,
                     latency_buckets);
  prometheus_series_header(out, "alter_requests_in_flight", "gauge",
                           "Requests admitted and not yet answered.");
  for (std::size_t i = 0; i < request_class_count; ++i) {
    auto c = static_cast<request_class>(i);
    out << "alter_requests_in_flight{class=\"" << name_of(c) << "\"} "
        << admission.in_flight(c) << "\n";
  }
  prometheus_series_header(out, "alter_requests_rejected_total", "counter",
                           "Requests refused by admission control (503).");
  for (std::size_t i = 0; i < request_class_count; ++i) {
    auto c = static_cast<request_class>(i);
    out << "alter_requests_rejected_total{class=\"" << name_of(c) << "\"} "
        << admission.rejected(c) << "\n";
  }
  render_gauge(out, "alter_worker_queue_length", "gauge",
               "Requests waiting for a worker.", queued);
  render_gauge(out, "alter_store_transactions_total", "counter",
               "Transactions the store committed.", commits.transactions);
  render_gauge(out, "alter_store_flushes_total", "counter",
               "Durable flushes (fsyncs) of those commits; transactions per flush "
               "is the group-commit batch.",
               commits.flushes);
  prometheus_series_header(out, "alter_store_flush_duration_seconds", "histogram",
                           "Time of each durable flush (COMMIT with its fsync).");
  render_histogram(out, "alter_store_flush_duration_seconds", "", commits.flush_seconds,
                   latency_buckets);
  prometheus_series_header(
      out, "alter_store_flush_transactions", "histogram",
      "Transactions made durable by each flush (the group-commit batch).");
  render_histogram(out, "alter_store_flush_transactions", "", commits.batch_size,
                   batch_buckets);
  render_gauge(out, "alter_store_writers_waiting", "gauge",
               "Writes (audit rows, claims, completions) queued for the store's "
               "writer.",
               commits.writers_waiting);
  render_gauge(out, "alter_upstream_in_flight", "gauge",
               "Provider exchanges under way.", upstream.in_flight);
  render_gauge(out, "alter_upstream_idle_connections", "gauge",
               "Provider connections kept for reuse.", upstream.idle);
  render_gauge(out, "alter_upstream_origins", "gauge",
               "Provider endpoints with a connection pool.", upstream.origins);
  render_gauge(out, "alter_upstream_connections_opened_total", "counter",
               "Provider connections opened.", upstream.opened);
  render_gauge(out, "alter_upstream_reused_total", "counter",
               "Provider exchanges on a kept connection.", upstream.reused);
  render_gauge(out, "alter_upstream_resent_total", "counter",
               "Requests sent once more on a fresh connection after a kept one "
               "failed before any answer byte.",
               upstream.resent);
  return out.str();
}

} // namespace alter::backend
