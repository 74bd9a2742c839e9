// JSON text <-> models, as wire protocol v1 spells them (snake_case, model field
// names). Boost.JSON stays in json_codec.cpp; this header is cheap to include.
#pragma once

#include <string>
#include <string_view>

#include "caf/expected.hpp"

#include "alter/messages/alter_error.hpp"
#include "alter/messages/field.hpp"

namespace alter {

/// The JSON text of a model. Defined for every model of messages/.
template <class T>
std::string to_json(const T& x);

/// Decodes a model. Unknown fields are ignored (forward compatibility); a missing
/// required field, a wrong type, or text that is not JSON gives an alter_error
/// with code malformed_json naming the field.
template <class T>
caf::expected<T> from_json(std::string_view text);

/// The error envelope: {"error": {"code", "message", "details"}, "request_id"}.
std::string error_envelope(const alter_error& e);

/// Reads an error response. Whatever the body holds, the result is a usable error:
/// an unknown code becomes unknown_error, a body that is no envelope becomes an
/// error named after the status.
alter_error parse_error_envelope(int http_status, std::string_view body);

/// A field list as a JSON object of strings (repeated names merge with ", ").
std::string fields_to_json(const field_list& fields);

/// A JSON object of strings as a field list; anything else (not JSON, not an
/// object, non-string values) is skipped, so stored metadata never breaks a read.
field_list fields_from_json(std::string_view text);

/// Deepest nesting the decoders accept; deeper input is rejected, not recursed into.
constexpr int max_json_depth = 32;

} // namespace alter
