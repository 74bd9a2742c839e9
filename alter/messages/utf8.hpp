// UTF-8 checks: what the backend accepts as attribution, and the repair that keeps
// every JSON document it writes valid whatever bytes a row already holds.
#pragma once

#include <string>
#include <string_view>

namespace alter {

/// True for well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
/// above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// `text` with every byte that is not part of a well-formed sequence replaced by
/// U+FFFD; valid text comes back unchanged.
std::string to_valid_utf8(std::string_view text);

} // namespace alter
