// Text checks shared by the SDK (before any I/O) and the backend.
#pragma once

#include <string_view>

namespace alter {

/// True for a canonical 8-4-4-4-12 hexadecimal UUID.
bool is_uuid(std::string_view text) noexcept;

/// True for 1-255 visible ASCII characters (no spaces, no CR/LF).
bool is_valid_idempotency_key(std::string_view text) noexcept;

/// True for an approval id: "apr_" and 32 lower-case hex digits.
bool is_approval_id(std::string_view text) noexcept;

/// True for text that could split or smuggle an HTTP header (CR, LF, NUL, ...).
bool has_control_characters(std::string_view text) noexcept;

/// "YYYY-MM-DDTHH:MM:SS[.fff]Z": the one time format of the wire protocol.
bool is_iso8601_utc(std::string_view text) noexcept;

/// Agent names: 1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit.
bool is_valid_agent_name(std::string_view text) noexcept;

} // namespace alter
