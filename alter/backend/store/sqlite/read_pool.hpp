// Internal to the SQLite store: read-only connections for autocommit reads of a
// database file. WAL lets them read while the writer writes, and they see only
// flushed (durable) batches, so no answer is ever based on writes that could
// still be lost. Each connection serves one thread at a time.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alter/backend/store/sqlite/connection.hpp"

namespace alter::backend {

class read_pool {
public:
  /// `size` connections (at least one) to the existing database at `path`.
  read_pool(const std::string& path, int size);
  ~read_pool();
  read_pool(const read_pool&) = delete;
  read_pool& operator=(const read_pool&) = delete;

  struct reader {
    std::mutex lock;
    sqlite_connection connection;
    explicit reader(const std::string& path);
  };

  /// A free reader, locked for this thread (or the first to come free).
  reader& acquire();

private:
  std::vector<std::unique_ptr<reader>> readers_;
};

} // namespace alter::backend
