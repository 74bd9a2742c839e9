#include "tools/swarm/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace alter::swarm {

void latency_histogram::add(double milliseconds) {
  samples_.push_back(milliseconds);
  sorted_ = false;
}

double latency_histogram::percentile(double q) const {
  if (samples_.empty())
    return 0;
  sorted_samples();
  auto rank
      = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples_.size())));
  return samples_[std::clamp<std::size_t>(rank, 1, samples_.size()) - 1];
}

const std::vector<double>& latency_histogram::sorted_samples() const {
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  return samples_;
}

double latency_histogram::max() const {
  return percentile(1.0);
}

void latency_histogram::merge(const latency_histogram& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  sorted_ = false;
}

} // namespace alter::swarm
