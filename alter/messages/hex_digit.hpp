// The value of one hexadecimal digit, for the decoders of %XX escapes and hex
// text (URLs, request text, PostgreSQL's BYTEA output).
#pragma once

namespace alter {

/// 0 to 15, or -1 when `c` is no hex digit (either case).
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace alter
