// The Asio threads all network I/O runs on. CAF's scheduler threads never block
// on a socket: I/O completes here and reports back to actors by message. Its
// threads are marked as I/O threads (thread_role.hpp): nothing on them may
// block on the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace alter::net {

class io_runtime {
public:
  /// Starts `threads` I/O threads (at least one).
  explicit io_runtime(std::size_t threads = 1);

  /// Stops the I/O threads and joins them; pending operations are abandoned.
  /// On one of its own threads (the last owner was a handler's capture) the
  /// threads are joined and the state freed by a thread of their own instead.
  ~io_runtime();

  /// The same as the destructor, for owners that must stop I/O before they tear
  /// down what handlers use. Idempotent; on one of its own threads, it joins
  /// the others.
  void stop();

  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  boost::asio::io_context& context() noexcept;

  std::size_t thread_count() const noexcept;

  /// Exceptions that escaped a handler and were caught by the I/O loop (0 unless
  /// a bug let one through: tests assert it stays 0).
  std::uint64_t escaped_exceptions() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace alter::net
