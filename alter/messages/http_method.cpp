#include "alter/messages/http_method.hpp"

#include <array>
#include <cstddef>

namespace alter {

namespace {

constexpr std::array<std::string_view, 7> names
    = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

bool equal_ignoring_case(std::string_view text, std::string_view upper) noexcept {
  if (text.size() != upper.size())
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i])
      return false;
  }
  return true;
}

} // namespace

std::optional<http_method> http_method::parse(std::string_view text) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (equal_ignoring_case(text, names[i]))
      return http_method{static_cast<verb>(i)};
  return std::nullopt;
}

std::string_view http_method::name() const noexcept {
  return names[static_cast<std::size_t>(verb_)];
}

std::string_view to_string(http_method m) noexcept {
  return m.name();
}

std::string_view http_method_names() noexcept {
  return "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
}

} // namespace alter
