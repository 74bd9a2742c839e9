// Puts a retrieved credential where the token metadata says, and nowhere else.
// The SDK uses it in retrieve mode, the backend in proxy mode; the provider never
// sees the Alter key either way.
#pragma once

#include "caf/expected.hpp"

#include "alter/messages/http_message.hpp"
#include "alter/messages/token_response.hpp"

namespace alter::net {

/// Adds the credential to `req`: the injection header (replacing any header of
/// that name) and the additional injections (headers or query parameters).
/// Fails with malformed_response when the metadata names an unknown injection
/// target or credential.
caf::expected<http_request> inject_credential(http_request req,
                                              const token_response& token);

} // namespace alter::net
