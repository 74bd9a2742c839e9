// Latency samples of one kind of call and their percentiles.
#pragma once

#include <cstdint>
#include <vector>

namespace alter::swarm {

class latency_histogram {
public:
  void add(double milliseconds);

  std::size_t count() const noexcept {
    return samples_.size();
  }

  /// The q-quantile (0..1) by nearest rank; 0 without samples.
  double percentile(double q) const;

  double max() const;

  void merge(const latency_histogram& other);

private:
  mutable std::vector<double> samples_;
  mutable bool sorted_ = true;
};

} // namespace alter::swarm
