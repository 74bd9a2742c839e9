// The kept-alive connections of one endpoint waiting for their next exchange.
// One implementation for the SDK's pool and the backend's provider pool, so both
// age and check connections alike: a connection idle past the idle timeout, or
// one the peer closed meanwhile, is closed and never handed out.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "alter/net/http_connection.hpp"

namespace alter::net {

class idle_connections {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Keeps at most `capacity` connections, none longer than `idle_timeout`.
  idle_connections(std::chrono::milliseconds idle_timeout, std::size_t capacity);

  /// Keeps `c`, idle since `now`, if it is still reusable and there is room;
  /// closes it otherwise.
  void put(std::shared_ptr<http_connection> c, time_point now);

  /// The most recently used connection still reusable and younger than the idle
  /// timeout, or nullptr. Closes every connection it passes over.
  std::shared_ptr<http_connection> take(time_point now);

  /// Closes every connection kept.
  void close_all();

  std::size_t size() const noexcept {
    return idle_.size();
  }

private:
  struct entry {
    std::shared_ptr<http_connection> connection;
    time_point since;
  };

  /// Closes the connections past the idle timeout (the oldest come first).
  void close_expired(time_point now);

  std::chrono::milliseconds idle_timeout_;
  std::size_t capacity_;
  /// Oldest first; reuse takes the newest (the one least likely closed by now).
  std::vector<entry> idle_;
};

} // namespace alter::net
