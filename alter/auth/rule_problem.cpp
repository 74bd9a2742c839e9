#include "alter/auth/rule_problem.hpp"

namespace alter {

std::string rule_problem::to_string() const {
  return field.empty() ? reason : field + ": " + reason;
}

std::string quoted(std::string_view text) {
  constexpr std::size_t max_chars = 64;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < max_chars; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  if (text.size() > max_chars)
    out += "...";
  out += "'";
  return out;
}

} // namespace alter
