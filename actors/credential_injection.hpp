// Retrieve mode: puts the retrieved credential where the token metadata says,
// and nowhere else. The provider never sees the Alter key.
#pragma once

#include "caf/expected.hpp"

#include "actors/call_preparation.hpp"
#include "messages/http_message.hpp"
#include "messages/token_response.hpp"

namespace alter {

/// The provider request: the plan's method, target, headers and body plus the
/// credential. Fails (malformed_response) when the metadata names an unknown
/// injection target or credential.
caf::expected<http_request> inject_credential(const call_plan& plan,
                                              const token_response& token);

} // namespace alter
