#include "alter/backend/api/request_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <boost/json.hpp>

#include "alter/backend/store/store.hpp"

namespace alter::backend {

std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warning:
      return "warning";
    case log_level::error:
      return "error";
  }
  return "info";
}

bool from_string(std::string_view text, log_level& out) noexcept {
  for (auto l :
       {log_level::debug, log_level::info, log_level::warning, log_level::error})
    if (text == to_string(l)) {
      out = l;
      return true;
    }
  return false;
}

log_level level_of_status(int status) noexcept {
  return status >= 500   ? log_level::error
         : status >= 400 ? log_level::warning
                         : log_level::info;
}

request_log::request_log(const std::string& path, log_level level) : level_(level) {
  if (path == "-") {
    out_ = stderr;
    return;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0)
    out_ = ::fdopen(fd, "a");
  if (out_ == nullptr) {
    auto why = std::string{std::strerror(errno)};
    if (fd >= 0)
      ::close(fd);
    throw std::runtime_error{"cannot write the request log " + path + ": " + why};
  }
  owned_ = true;
}

request_log::~request_log() {
  if (owned_)
    std::fclose(out_);
}

std::string request_log::format(const request_log_line& l, std::string_view now) {
  boost::json::object o{{"time", now},
                        {"level", to_string(level_of_status(l.status))},
                        {"request_id", l.request_id},
                        {"method", l.method},
                        {"route", l.route},
                        {"status", l.status},
                        {"latency_ms", l.latency_ms}};
  // Who, when the request proved it (unauthenticated requests have no app).
  if (!l.app_id.empty())
    o["app_id"] = l.app_id;
  if (!l.caller.empty())
    o["caller"] = l.caller;
  if (!l.caller_type.empty())
    o["caller_type"] = l.caller_type;
  if (!l.client_ip.empty())
    o["client_ip"] = l.client_ip;
  return boost::json::serialize(o);
}

void request_log::write(const request_log_line& line) {
  if (level_of_status(line.status) < level_)
    return;
  auto text = format(line, now_iso8601()) + "\n";
  std::lock_guard<std::mutex> guard{mtx_};
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

} // namespace alter::backend
