// The text rule of every request, checked by the router before any step or
// handler runs: what a request carries towards a store must be text both
// stores hold alike. PostgreSQL's TEXT refuses a NUL and bytes that are not
// UTF-8 (the statement fails: a 500, or a write half done), SQLite keeps them.
// So the places a request's text comes from are checked once, here:
//
// - the target: path and query, percent-decoded (path parameters and query
//   values are), must be UTF-8 without NUL;
// - a JSON body must be UTF-8 (else malformed_json, as the parser says) and
//   hold no \u0000 escape, in any string or name (the parsers accept it);
// - a form body, percent-decoded, must be UTF-8 without NUL.
//
// Header values need no rule here: the HTTP parser refuses a NUL, and those
// that reach a store have their own checks (attribution, Idempotency-Key,
// the nonce's shape; keys and tokens are stored as digests).
#pragma once

#include <optional>
#include <string_view>

#include "alter/backend/api/router.hpp"

namespace alter::backend {

/// True for UTF-8 without NUL once every %XX is decoded (a malformed escape
/// stays as it is: the route or the decoder refuses it).
bool decodes_to_text(std::string_view percent_encoded) noexcept;

/// True when `json` spells a NUL as \u0000 in a string or a name.
bool has_escaped_nul(std::string_view json) noexcept;

/// The 400 for a request whose text a store could not hold; nullopt to go on.
std::optional<alter_error> refusal_of_text(const server_request& req, body_format body);

} // namespace alter::backend
