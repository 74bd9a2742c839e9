#include "alter/messages/retry_after.hpp"

#include <cstdlib>

namespace alter {

std::string retry_after_value(int64_t retry_after_ms) {
  if (retry_after_ms <= 0)
    return {};
  return std::to_string((retry_after_ms + 999) / 1000);
}

int64_t retry_after_ms_of(const std::string& value) noexcept {
  char* end = nullptr;
  auto seconds = std::strtod(value.c_str(), &end);
  // NaN fails both comparisons; "inf" and dates fail the bound or the parse.
  if (end == value.c_str() || !(seconds >= 0 && seconds < 1e9))
    return -1;
  return static_cast<int64_t>(seconds * 1000);
}

} // namespace alter
