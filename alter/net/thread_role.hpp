// Which kind of thread runs the code: an I/O thread (net::io_runtime's, where
// nothing may block on a query or a commit) or any other. A thread_local flag,
// so asking costs one load; the store asks at every call (may_block.hpp).
#pragma once

namespace alter::net {

/// Marks the calling thread as an I/O thread for the rest of its life.
void mark_io_thread() noexcept;

/// Whether the calling thread is an I/O thread.
bool on_io_thread() noexcept;

} // namespace alter::net
