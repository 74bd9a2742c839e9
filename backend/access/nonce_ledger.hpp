// The nonces of accepted requests, kept in the database for as long as their
// timestamps can pass the skew check, so that a captured request replays neither
// before nor after a restart (nor on another instance sharing the database).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "backend/store/sqlite/database.hpp"

namespace alter::backend {

class nonce_ledger {
public:
  /// Opens its own connection to the database at `path` (":memory:" keeps a
  /// private in-memory ledger). `window_seconds` is the clock-skew window.
  nonce_ledger(const std::string& path, int64_t window_seconds);

  /// Records the nonce of a request stamped `timestamp`; false when it was already
  /// recorded and its entry has not expired. Throws sqlite_error when the database
  /// fails (the caller answers 500: a nonce that cannot be recorded is not accepted).
  bool record(std::string_view nonce, int64_t timestamp, int64_t now);

private:
  void sweep(int64_t now);

  int64_t window_;
  std::mutex mtx_;
  database db_;
  statement insert_;
  statement prune_;
  int64_t last_sweep_ = 0;
};

} // namespace alter::backend
