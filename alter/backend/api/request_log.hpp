// The structured request log: one JSON object per line for every request the
// backend answers: time, request id, method, route (the pattern, never the
// raw path or query, which may carry tokens), status, latency, app, caller,
// caller type and client address; never a key, a token, a header or a body.
// Each line has a level from its status (info below 400, warning for 4xx,
// error for 5xx); lines below the log's level are not written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace alter::backend {

enum class log_level : uint8_t { debug, info, warning, error };

std::string_view to_string(log_level l) noexcept;

/// "debug", "info", "warning" or "error"; false for anything else.
bool from_string(std::string_view text, log_level& out) noexcept;

struct request_log_line {
  std::string request_id;
  std::string method;
  /// The route's pattern ("/v1/approvals/{id}"); "-" when none matched.
  std::string route;
  int status = 0;
  double latency_ms = 0;
  std::string app_id;
  std::string caller;
  std::string caller_type;
  std::string client_ip;
};

/// The level of a line with HTTP status `status`.
log_level level_of_status(int status) noexcept;

class request_log {
public:
  /// Writes to `path` (appended; made 0600 when new), or to standard error
  /// for "-". Throws std::runtime_error naming the path when it cannot be
  /// opened.
  request_log(const std::string& path, log_level level);
  ~request_log();

  request_log(const request_log&) = delete;
  request_log& operator=(const request_log&) = delete;

  /// One line, written whole (lines of concurrent requests never interleave).
  void write(const request_log_line& line);

  /// The JSON line (without its newline) as write() puts it out, at `now`.
  static std::string format(const request_log_line& line, std::string_view now);

private:
  log_level level_;
  std::FILE* out_ = nullptr;
  bool owned_ = false;
  std::mutex mtx_;
};

} // namespace alter::backend
