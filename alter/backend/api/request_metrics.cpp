#include "alter/backend/api/request_metrics.hpp"

#include <sstream>

#include "alter/backend/api/request_log.hpp"
#include "alter/messages/http_method.hpp"

namespace alter::backend {

namespace {

/// A method label from a closed set: a known method, else "other".
std::string method_label(std::string_view method) {
  auto m = http_method::parse(method);
  return m && m->name() == method ? std::string{method} : std::string{"other"};
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

void request_metrics::observe(const request_log_line& line) {
  int status = line.status >= 100 && line.status <= 599 ? line.status : 0;
  auto key = std::make_tuple(line.route, method_label(line.method), status);
  auto seconds = line.latency_ms / 1000.0;
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
  auto labels = [](const auto& key) {
    const auto& [route, method, status] = key;
    return "route=\"" + label_value(route) + "\",method=\"" + method + "\",status=\""
           + std::to_string(status) + "\"";
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
