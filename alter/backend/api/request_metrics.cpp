#include "alter/backend/api/request_metrics.hpp"

#include <sstream>

#include "alter/backend/api/router.hpp"
#include "alter/messages/http_method.hpp"

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

/// Route patterns hold no quote, backslash or newline; escaped all the same.
std::string label_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"')
      out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

} // namespace

void request_metrics::observe(const route* matched, std::string_view method, int status,
                              double latency_ms) {
  series_key key{matched, method_index(method),
                 status >= 100 && status <= 599 ? status : 0};
  auto seconds = latency_ms / 1000.0;
  std::lock_guard<std::mutex> guard{mtx_};
  auto& s = series_[key];
  ++s.count;
  s.sum_seconds += seconds;
  for (std::size_t i = 0; i < latency_buckets.size(); ++i)
    if (seconds <= latency_buckets[i])
      ++s.buckets[i];
}

std::string request_metrics::render(const admission_control& admission,
                                    std::size_t queued,
                                    const store_stats& commits) const {
  std::ostringstream out;
  out << "# HELP alter_requests_total Answers by route, method and status.\n"
         "# TYPE alter_requests_total counter\n";
  std::lock_guard<std::mutex> guard{mtx_};
  auto labels = [](const series_key& key) {
    const auto& [matched, method, status] = key;
    auto pattern = matched != nullptr ? matched->pattern : std::string_view{"-"};
    return "route=\"" + label_value(pattern) + "\",method=\""
           + std::string{method_label(method)} + "\",status=\"" + std::to_string(status)
           + "\"";
  };
  for (const auto& [key, s] : series_)
    out << "alter_requests_total{" << labels(key) << "} " << s.count << "\n";
  out << "# HELP alter_request_duration_seconds Time to answer, by route, method and "
         "status.\n# TYPE alter_request_duration_seconds histogram\n";
  for (const auto& [key, s] : series_) {
    auto l = labels(key);
    for (std::size_t i = 0; i < latency_buckets.size(); ++i)
      out << "alter_request_duration_seconds_bucket{" << l << ",le=\""
          << latency_buckets[i] << "\"} " << s.buckets[i] << "\n";
    out << "alter_request_duration_seconds_bucket{" << l << ",le=\"+Inf\"} " << s.count
        << "\nalter_request_duration_seconds_sum{" << l << "} " << s.sum_seconds
        << "\nalter_request_duration_seconds_count{" << l << "} " << s.count << "\n";
  }
  out << "# HELP alter_requests_in_flight Requests admitted and not yet answered.\n"
         "# TYPE alter_requests_in_flight gauge\n";
  for (std::size_t i = 0; i < request_class_count; ++i) {
    auto c = static_cast<request_class>(i);
    out << "alter_requests_in_flight{class=\"" << name_of(c) << "\"} "
        << admission.in_flight(c) << "\n";
  }
  out << "# HELP alter_requests_rejected_total Requests refused by admission control "
         "(503).\n# TYPE alter_requests_rejected_total counter\n";
  for (std::size_t i = 0; i < request_class_count; ++i) {
    auto c = static_cast<request_class>(i);
    out << "alter_requests_rejected_total{class=\"" << name_of(c) << "\"} "
        << admission.rejected(c) << "\n";
  }
  out << "# HELP alter_worker_queue_length Requests waiting for a worker.\n"
         "# TYPE alter_worker_queue_length gauge\nalter_worker_queue_length "
      << queued
      << "\n# HELP alter_store_transactions_total Transactions the store committed.\n"
         "# TYPE alter_store_transactions_total "
         "counter\nalter_store_transactions_total "
      << commits.transactions
      << "\n# HELP alter_store_flushes_total Durable flushes (fsyncs) of those "
         "commits; transactions per flush is the group-commit batch.\n"
         "# TYPE alter_store_flushes_total counter\nalter_store_flushes_total "
      << commits.flushes << "\n";
  return out.str();
}

} // namespace alter::backend
