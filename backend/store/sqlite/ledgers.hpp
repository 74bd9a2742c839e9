// Internal to the SQLite store: the nonce and rate-limit ledgers, on a second
// connection to the database file with synchronous=NORMAL. Their writes come
// with every signed request, and must not wait for an fsync nor for the main
// connection's lock: in WAL mode a commit under NORMAL is in the WAL once it
// returns, which survives the process being killed; only a crash of the
// machine could lose the last few (a nonce replayable within the skew window
// after a power cut, a few calls not counted). Other processes on the same file
// see them at once (the file's locks serialise the writers).
#pragma once

#include <mutex>
#include <string>

#include "backend/store/nonces_repository.hpp"
#include "backend/store/rate_limits_repository.hpp"
#include "backend/store/sqlite/database.hpp"

namespace alter::backend {

/// The ledgers' connection: one thread at a time.
class ledger_connection {
public:
  /// Opens `path` (migrated by the store before); a ":memory:" database is a
  /// private one of its own, given the ledgers' tables here.
  explicit ledger_connection(const std::string& path);

  std::unique_lock<std::mutex> hold() {
    return std::unique_lock<std::mutex>{mtx_};
  }
  database& db() noexcept {
    return db_;
  }

private:
  std::mutex mtx_;
  database db_;
};

class sqlite_nonces final : public nonces_repository {
public:
  explicit sqlite_nonces(ledger_connection& c);
  bool record(std::string_view nonce, int64_t expires_at, int64_t now) override;
  int64_t prune(int64_t now) override;

private:
  ledger_connection& c_;
  statement insert_;
  statement prune_;
};

class sqlite_rate_limits final : public rate_limits_repository {
public:
  explicit sqlite_rate_limits(ledger_connection& c);
  rate_verdict admit(const std::vector<rate_limit>& limits,
                     std::chrono::system_clock::time_point now) override;

private:
  ledger_connection& c_;
  statement forget_key_;
  statement count_;
  statement insert_;
  statement sweep_;
  int64_t last_sweep_ms_ = 0;
};

} // namespace alter::backend
