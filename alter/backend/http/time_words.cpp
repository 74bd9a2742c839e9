#include "alter/backend/http/time_words.hpp"

#include <cstdio>
#include <ctime>
#include <optional>

namespace alter::backend {

namespace {

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view iso) {
  // 2026-12-04T19:20:00Z or 2026-12-04T19:20:00.123Z.
  if (iso.size() < 20 || iso.size() > 30 || iso.back() != 'Z')
    return std::nullopt;
  std::string text{iso};
  std::tm parts{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year,
                  &parts.tm_mon, &parts.tm_mday, &parts.tm_hour, &parts.tm_min,
                  &parts.tm_sec, &consumed)
          != 6
      || consumed != 19)
    return std::nullopt;
  if (parts.tm_mon < 1 || parts.tm_mon > 12 || parts.tm_mday < 1 || parts.tm_mday > 31
      || parts.tm_hour > 23 || parts.tm_min > 59 || parts.tm_sec > 60)
    return std::nullopt;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

} // namespace

std::string duration_words(std::chrono::seconds span) {
  auto s = std::max<int64_t>(0, span.count());
  constexpr int64_t minute = 60;
  constexpr int64_t hour = 60 * minute;
  constexpr int64_t day = 24 * hour;
  if (s < minute)
    return std::to_string(s) + " s";
  if (s < hour)
    return std::to_string(s / minute) + " min";
  if (s < 2 * day) {
    auto out = std::to_string(s / hour) + " h";
    if (auto m = s % hour / minute; m > 0)
      out += " " + std::to_string(m) + " min";
    return out;
  }
  return std::to_string(s / day) + " days";
}

std::string time_from_now(std::string_view iso,
                          std::chrono::system_clock::time_point now) {
  auto at = parse_utc(iso);
  if (!at)
    return {};
  auto delta = std::chrono::duration_cast<std::chrono::seconds>(*at - now);
  if (delta.count() == 0)
    return "now";
  if (delta.count() > 0)
    return "in " + duration_words(delta);
  return duration_words(-delta) + " ago";
}

} // namespace alter::backend
