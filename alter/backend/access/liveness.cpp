#include "alter/backend/access/liveness.hpp"

#include <ctime>

#include "alter/messages/validation.hpp"

namespace alter::backend {

std::optional<time_point> parse_timestamp(std::string_view t) noexcept {
  if (!is_iso8601_utc(t))
    return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) {
    int out = 0;
    for (std::size_t i = at; i < at + n; ++i)
      out = out * 10 + (t[i] - '0');
    return out;
  };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23
      || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  auto secs = ::timegm(&tm);
  std::chrono::milliseconds ms{0};
  // Fractional seconds: the first three digits count.
  for (std::size_t i = 20, scale = 100; i + 1 < t.size() && scale > 0; ++i, scale /= 10)
    ms += std::chrono::milliseconds{(t[i] - '0') * static_cast<int>(scale)};
  return std::chrono::system_clock::from_time_t(secs) + ms;
}

bool has_expired(std::string_view expires_at, time_point now) noexcept {
  if (expires_at.empty())
    return false;
  auto at = parse_timestamp(expires_at);
  return !at || now >= *at;
}

bool expires_sooner(std::string_view a, std::string_view b) noexcept {
  if (a.empty())
    return false;
  if (b.empty())
    return true;
  auto ta = parse_timestamp(a).value_or(time_point{});
  auto tb = parse_timestamp(b).value_or(time_point{});
  return ta < tb;
}

bool key_is_live(const key_record& k, time_point now) noexcept {
  return k.status != key_status::revoked && !has_expired(k.expires_at, now);
}

bool agent_is_live(const agent_record& a) noexcept {
  return a.status != agent_status::revoked;
}

bool agent_may_act(const agent_record& a) noexcept {
  return a.status == agent_status::active;
}

std::optional<error_code> grant_unusable(const grant_record& g,
                                         time_point now) noexcept {
  if (g.status == grant_status::revoked)
    return error_code::grant_revoked;
  if (g.status == grant_status::expired || has_expired(g.expires_at, now))
    return error_code::grant_expired;
  return std::nullopt;
}

grant_status effective_grant_status(const grant_record& g, time_point now) noexcept {
  if (g.status != grant_status::revoked && has_expired(g.expires_at, now))
    return grant_status::expired;
  return g.status;
}

} // namespace alter::backend
