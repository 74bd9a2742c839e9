#include "alter/messages/field.hpp"

namespace alter {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

const std::string* find_field(const field_list& xs, std::string_view name) noexcept {
  for (const auto& x : xs)
    if (iequals(x.name, name))
      return &x.value;
  return nullptr;
}

} // namespace alter
