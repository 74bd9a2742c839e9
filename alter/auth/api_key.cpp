#include "alter/auth/api_key.hpp"

#include <cstdint>

#include "alter/auth/crypto.hpp"

namespace alter {

namespace {

constexpr std::string_view base62
    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t check_length = 6;
constexpr std::string_view legacy_prefix = "alter_key_";
constexpr std::size_t max_legacy_body = 200;

bool is_base62(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool is_legacy_body(std::string_view body) noexcept {
  if (body.empty() || body.size() > max_legacy_body)
    return false;
  for (char c : body)
    if (!is_base62(c) && c != '_' && c != '-')
      return false;
  return true;
}

std::string_view type_tag(key_type t) noexcept {
  switch (t) {
    case key_type::runtime:
      return "rk";
    case key_type::agent:
      return "ak";
    case key_type::derived:
      return "dk";
    case key_type::personal:
      return "pk";
    default:
      return "";
  }
}

std::optional<key_type> parse_tag(std::string_view tag) noexcept {
  for (auto t :
       {key_type::runtime, key_type::agent, key_type::derived, key_type::personal})
    if (type_tag(t) == tag)
      return t;
  return std::nullopt;
}

std::string checksum(std::string_view prefix_and_body) {
  auto crc = crypto::crc32(prefix_and_body);
  std::string out(check_length, '0');
  for (std::size_t i = check_length; i-- > 0;) {
    out[i] = base62[crc % 62];
    crc /= 62;
  }
  return out;
}

} // namespace

std::string generate_key(key_type type) {
  std::string key = "alter_";
  key += type_tag(type);
  key += '_';
  // Rejection sampling keeps every base62 digit equally likely.
  while (key.size() < 9 + key_body_length) {
    for (unsigned char b : crypto::random_bytes(key_body_length)) {
      if (b < 248 && key.size() < 9 + key_body_length)
        key += base62[b % 62];
    }
  }
  key += '_' + checksum(key);
  return key;
}

std::optional<key_type> type_of_key(std::string_view key) noexcept {
  if (key.size() > legacy_prefix.size()
      && key.substr(0, legacy_prefix.size()) == legacy_prefix)
    return is_legacy_body(key.substr(legacy_prefix.size()))
               ? std::optional<key_type>{key_type::legacy}
               : std::nullopt;
  // alter_ + 2 + _ + body + _ + check
  constexpr auto scoped_length = 6 + 2 + 1 + key_body_length + 1 + check_length;
  if (key.size() != scoped_length || key.substr(0, 6) != "alter_" || key[8] != '_'
      || key[9 + key_body_length] != '_')
    return std::nullopt;
  auto type = parse_tag(key.substr(6, 2));
  if (!type)
    return std::nullopt;
  auto body = key.substr(9, key_body_length);
  for (char c : body)
    if (!is_base62(c))
      return std::nullopt;
  auto check = key.substr(10 + key_body_length);
  try {
    if (checksum(key.substr(0, 9 + key_body_length)) != check)
      return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  return type;
}

std::optional<key_type> type_of_key(const char* key) noexcept {
  return key == nullptr ? std::nullopt : type_of_key(std::string_view{key});
}

bool is_valid_key(std::string_view key) noexcept {
  return type_of_key(key).has_value();
}

bool is_valid_key(const char* key) noexcept {
  return key != nullptr && is_valid_key(std::string_view{key});
}

std::string key_prefix(std::string_view key) {
  return std::string{key.substr(0, 12)};
}

} // namespace alter
