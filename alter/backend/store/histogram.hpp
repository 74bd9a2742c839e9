// Counts of observations under fixed upper bounds, as a Prometheus histogram
// holds them; /metrics renders them (api/request_metrics.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace alter::backend {

/// Upper bounds of latency buckets, in seconds.
constexpr std::array<double, 12> latency_buckets{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0};

/// Upper bounds of batch-size buckets: works per group-commit flush.
constexpr std::array<double, 9> batch_buckets{1, 2, 4, 8, 16, 32, 64, 128, 256};

template <std::size_t N>
struct histogram {
  /// buckets[i]: observations at most bounds[i] (cumulative, as Prometheus has it).
  std::array<uint64_t, N> buckets{};
  uint64_t count = 0;
  double sum = 0;

  void observe(double value, const std::array<double, N>& bounds) noexcept {
    ++count;
    sum += value;
    for (std::size_t i = 0; i < N; ++i)
      if (value <= bounds[i])
        ++buckets[i];
  }
};

using latency_histogram = histogram<latency_buckets.size()>;
using batch_histogram = histogram<batch_buckets.size()>;

} // namespace alter::backend
