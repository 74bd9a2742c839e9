// Latency samples of one kind of call and their percentiles.
#pragma once

#include <cstdint>
#include <vector>

#include "caf/meta/type_name.hpp"

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

  /// The samples, sorted (for charts).
  const std::vector<double>& sorted_samples() const;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, latency_histogram& x) {
    return f(caf::meta::type_name("latency_histogram"), x.samples_, x.sorted_);
  }

private:
  mutable std::vector<double> samples_;
  mutable bool sorted_ = true;
};

} // namespace alter::swarm
