// Text checks shared by the SDK (before any I/O) and the backend.
#pragma once

#include <string_view>

#include "alter/messages/field.hpp"

namespace alter {

/// True for a canonical 8-4-4-4-12 hexadecimal UUID.
bool is_uuid(std::string_view text) noexcept;

/// True for 1-255 visible ASCII characters (no spaces, no CR/LF).
bool is_valid_idempotency_key(std::string_view text) noexcept;

/// True for an approval id: "apr_" and 32 lower-case hex digits.
bool is_approval_id(std::string_view text) noexcept;

/// True for text that could split or smuggle an HTTP header (CR, LF, NUL, ...).
bool has_control_characters(std::string_view text) noexcept;

/// True for a header that carries a credential (Authorization, Cookie,
/// X-API-Key, X-Amz-Security-Token, in any case): only Alter injects those,
/// so neither the SDK nor the backend lets a caller set one.
bool is_credential_header(std::string_view name) noexcept;

/// A header that can be written as it stands: a name without separators or
/// control characters, a value without CR, LF or NUL. Beast does not check, and a
/// CR or LF would put a line of someone else's choosing on the wire.
bool is_writable_header(const field& h) noexcept;

/// An attribution header value (x-alter-caller, run, thread and tool-call ids):
/// at most 256 bytes of valid UTF-8 without control characters.
bool is_valid_attribution(std::string_view text) noexcept;

/// "YYYY-MM-DDTHH:MM:SS[.fff]Z": the one time format of the wire protocol.
bool is_iso8601_utc(std::string_view text) noexcept;

/// Agent names: 1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit.
bool is_valid_agent_name(std::string_view text) noexcept;

} // namespace alter
