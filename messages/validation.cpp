#include "messages/validation.hpp"

#include <algorithm>

namespace alter {

namespace {

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

bool is_uuid(std::string_view text) noexcept {
  if (text.size() != 36)
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_hex(text[i]))
      return false;
  }
  return true;
}

bool is_valid_idempotency_key(std::string_view text) noexcept {
  return !text.empty() && text.size() <= 255
         && std::all_of(text.begin(), text.end(), [](char c) {
              auto u = static_cast<unsigned char>(c);
              return u >= 0x21 && u <= 0x7E;
            });
}

bool has_control_characters(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
  });
}

bool is_approval_id(std::string_view text) noexcept {
  if (text.size() != 36 || text.substr(0, 4) != "apr_")
    return false;
  for (char c : text.substr(4))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

} // namespace alter
