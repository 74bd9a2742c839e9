#include "alter/net/thread_role.hpp"

namespace alter::net {

namespace {

thread_local bool io_thread = false;

} // namespace

void mark_io_thread() noexcept {
  io_thread = true;
}

bool on_io_thread() noexcept {
  return io_thread;
}

} // namespace alter::net
