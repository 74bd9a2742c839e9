#include "alter/auth/rule_type.hpp"

#include <array>
#include <utility>

namespace alter {

namespace {

constexpr std::array<std::pair<rule_type, std::string_view>, 6> names{{
    {rule_type::json_match, "json_match"},
    {rule_type::require_approval, "require_approval"},
    {rule_type::ip_allowlist, "ip_allowlist"},
    {rule_type::time_window, "time_window"},
    {rule_type::rate_limit, "rate_limit"},
    {rule_type::parameter, "parameter"},
}};

} // namespace

std::string_view to_string(rule_type t) noexcept {
  for (const auto& [type, name] : names)
    if (type == t)
      return name;
  return "unknown";
}

bool from_string(std::string_view text, rule_type& out) noexcept {
  for (const auto& [type, name] : names) {
    if (name == text) {
      out = type;
      return true;
    }
  }
  return false;
}

} // namespace alter
