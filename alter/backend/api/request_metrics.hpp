// What /metrics serves, in the Prometheus text format (0.0.4): every answer by
// route, method and status with a latency histogram; requests in flight and
// rejected per admission class; the workers' queue; the store's commits, its
// flushes with their latency and batch sizes, and the writes queued for its
// writer (audit rows among them); the provider connections' state.
// Labels come from closed sets only (route patterns of the table, known
// methods, statuses 100 to 599), so no request can grow the series.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "alter/backend/api/admission.hpp"
#include "alter/backend/proxy/upstream_client.hpp"
#include "alter/backend/store/histogram.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

struct route;

constexpr std::string_view metrics_path = "/metrics";

class request_metrics {
public:
  /// Counts one answer of `matched` (null: no route). No allocation once
  /// the series exists.
  void observe(const route* matched, std::string_view method, int status,
               double latency_ms);

  /// Everything, as /metrics answers it.
  std::string render(const admission_control& admission, std::size_t queued,
                     const store_stats& commits, const upstream_stats& upstream) const;

private:
  using series = latency_histogram;
  /// Route (null: none), method (a verb's index, or "other"), status.
  using series_key = std::tuple<const route*, uint8_t, int>;
  mutable std::mutex mtx_;
  std::map<series_key, series> series_;
};

} // namespace alter::backend
