// What a swarm run measured.
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "tools/swarm/latency_histogram.hpp"

namespace alter::swarm {

struct swarm_report {
  std::size_t agents = 0;
  std::size_t calls = 0;
  std::size_t succeeded = 0;
  /// Failed calls by error code.
  std::map<std::string, std::size_t> errors;
  /// Latency of successful calls by call type ("request", "proxy").
  std::map<std::string, latency_histogram> latency;
  /// Latency of failed calls by error code (how fast a failure comes back).
  std::map<std::string, latency_histogram> error_latency;
  /// Attempts beyond the first, summed over all calls.
  std::size_t retries = 0;
  double seconds = 0;

  std::size_t failed() const noexcept {
    return calls - succeeded;
  }

  /// Calls per second.
  double throughput() const noexcept {
    return seconds > 0 ? calls / seconds : 0.0;
  }
};

/// A human-readable summary.
void print(std::ostream& out, const swarm_report& r);

} // namespace alter::swarm
