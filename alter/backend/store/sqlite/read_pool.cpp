#include "alter/backend/store/sqlite/read_pool.hpp"

#include <functional>
#include <thread>

namespace alter::backend {

read_pool::reader::reader(const std::string& path)
    : connection(path, open_mode::read_only) {
}

read_pool::read_pool(const std::string& path, int size) {
  for (int i = 0; i < (size > 0 ? size : 1); ++i)
    readers_.push_back(std::make_unique<reader>(path));
}

read_pool::~read_pool() = default;

read_pool::reader& read_pool::acquire() {
  // Start where this thread usually lands, so a thread tends to find its own
  // cached statements; take the first free one, else wait for that one.
  auto n = readers_.size();
  auto start = std::hash<std::thread::id>{}(std::this_thread::get_id()) % n;
  for (std::size_t k = 0; k < n; ++k) {
    auto& r = *readers_[(start + k) % n];
    if (r.lock.try_lock())
      return r;
  }
  auto& r = *readers_[start];
  r.lock.lock();
  return r;
}

} // namespace alter::backend
