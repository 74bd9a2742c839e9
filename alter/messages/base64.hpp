// Base64 (RFC 4648, with padding) and base64url (no padding) for bodies and headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace alter {

std::string base64_encode(std::string_view bytes);
/// nullopt for input that is not canonical base64.
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace alter
