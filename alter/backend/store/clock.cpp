#include "alter/backend/store/store.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace alter::backend {

std::string now_iso8601(std::chrono::seconds offset) {
  auto now = std::chrono::system_clock::now() + offset;
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms
      = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
            .count()
        % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec, static_cast<int>(ms));
  return buf;
}

} // namespace alter::backend
