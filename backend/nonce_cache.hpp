// Remembers the nonces of accepted requests for the clock-skew window, so a
// captured request cannot be replayed. In memory: see docs/protocol.md for what a
// restart means.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace alter::backend {

class nonce_cache {
public:
  explicit nonce_cache(int64_t window_seconds) : window_(window_seconds) {
  }

  /// Records the nonce; false when it was already seen within the window.
  bool insert(const std::string& nonce, int64_t now_seconds);

  std::size_t size() const;

private:
  void sweep(int64_t now_seconds);

  int64_t window_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, int64_t> seen_;
  int64_t last_sweep_ = 0;
};

} // namespace alter::backend
