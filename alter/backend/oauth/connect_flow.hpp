// Connect with a provider's OAuth 2.0 authorization server (RFC 6749 4.1 with
// PKCE, RFC 7636 S256): the consent page sends the person's browser to the
// provider; the provider sends it back to /connect/callback with a code that
// only this backend, holding the verifier, can redeem.
#pragma once

#include "alter/backend/http/http_server.hpp"
#include <string>
#include <vector>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

struct backend_context;

/// Where the provider sends the browser back.
inline constexpr const char* connect_callback_path = "/connect/callback";

/// The scopes Connect asks a provider for: the catalog's and whatever the
/// provider requires now.
std::vector<std::string> connect_scopes(const provider_record& provider);

/// The 303 to the provider's authorization endpoint for Connect session `s`;
/// the state and the PKCE verifier are kept (hashed and sealed) for the
/// callback.
http_response begin_authorization(backend_context& ctx,
                                  const interactive_session_record& s,
                                  const provider_record& provider);

/// GET /connect/callback?state=…&code=… (or &error=…): redeems the code and
/// completes the session; answers with a page.
void finish_authorization(backend_context& ctx, const server_request& req,
                          const responder& respond);

} // namespace alter::backend
