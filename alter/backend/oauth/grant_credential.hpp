// The credential a grant hands out, whatever its kind: a managed secret as
// stored, or an OAuth access token kept fresh by the token_refresher.
#pragma once

#include <functional>
#include <string>

#include "caf/expected.hpp"

#include "alter/backend/store/records.hpp"
#include "alter/messages/token_response.hpp"

namespace alter::backend {

struct backend_context;

/// True for a grant made by an OAuth authorization (its tokens live in the
/// oauth_tokens table); older Connect grants hold a managed secret instead.
bool holds_oauth_tokens(const grant_record& g) noexcept;

using credential_callback = std::function<void(caf::expected<token_response>)>;

/// The credential of `g`; `done` runs once, at once or on a worker after a
/// refresh. `refused_token`: the provider answered 401 to this access token,
/// so it is refreshed unless it changed since (never more than once per call:
/// the caller decides).
void credential_for(backend_context& ctx, const grant_record& g,
                    std::string refused_token, credential_callback done);

} // namespace alter::backend
