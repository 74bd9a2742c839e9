#include "alter/messages/validation.hpp"

#include <algorithm>

#include "alter/messages/utf8.hpp"

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

bool is_credential_header(std::string_view name) noexcept {
  constexpr std::string_view credential_headers[]
      = {"authorization", "cookie", "x-api-key", "x-amz-security-token"};
  return std::any_of(std::begin(credential_headers), std::end(credential_headers),
                     [&](std::string_view h) { return iequals(name, h); });
}

bool is_writable_header(const field& h) noexcept {
  return !h.name.empty() && !has_control_characters(h.name)
         && !has_control_characters(h.value)
         && h.name.find_first_of(":() \t\"/,;<=>?@[\\]{}") == std::string::npos;
}

bool is_valid_attribution(std::string_view text) noexcept {
  return text.size() <= 256 && !has_control_characters(text) && is_valid_utf8(text);
}

bool is_approval_id(std::string_view text) noexcept {
  if (text.size() != 36 || text.substr(0, 4) != "apr_")
    return false;
  for (char c : text.substr(4))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

bool is_iso8601_utc(std::string_view t) noexcept {
  auto digits = [&](std::size_t at, std::size_t n) {
    for (std::size_t i = at; i < at + n; ++i)
      if (i >= t.size() || t[i] < '0' || t[i] > '9')
        return false;
    return true;
  };
  if (t.size() < 20 || t.size() > 30 || t.back() != 'Z')
    return false;
  if (!(digits(0, 4) && t[4] == '-' && digits(5, 2) && t[7] == '-' && digits(8, 2)
        && t[10] == 'T' && digits(11, 2) && t[13] == ':' && digits(14, 2)
        && t[16] == ':' && digits(17, 2)))
    return false;
  if (t.size() == 20)
    return true;
  return t[19] == '.' && digits(20, t.size() - 21);
}

bool is_valid_agent_name(std::string_view text) noexcept {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !text.empty() && text.size() <= 64 && alnum(text.front())
         && std::all_of(text.begin(), text.end(),
                        [&](char c) { return alnum(c) || c == '-' || c == '_'; });
}

} // namespace alter
