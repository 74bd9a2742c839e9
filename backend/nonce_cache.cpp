#include "backend/nonce_cache.hpp"

namespace alter::backend {

bool nonce_cache::insert(const std::string& nonce, int64_t now_seconds) {
  std::lock_guard guard{mtx_};
  if (now_seconds - last_sweep_ >= window_ / 10 + 1)
    sweep(now_seconds);
  auto [i, added] = seen_.emplace(nonce, now_seconds);
  if (added)
    return true;
  if (now_seconds - i->second > 2 * window_) {
    // Old enough that its timestamp cannot pass the skew check any more.
    i->second = now_seconds;
    return true;
  }
  return false;
}

std::size_t nonce_cache::size() const {
  std::lock_guard guard{mtx_};
  return seen_.size();
}

void nonce_cache::sweep(int64_t now_seconds) {
  last_sweep_ = now_seconds;
  // A nonce must outlive every timestamp that could still pass the skew check:
  // a request stamped up to `window_` in the future stays valid for 2 * window_.
  for (auto i = seen_.begin(); i != seen_.end();)
    i = now_seconds - i->second > 2 * window_ ? seen_.erase(i) : std::next(i);
}

} // namespace alter::backend
