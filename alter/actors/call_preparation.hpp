// Turns a caller's provider_call into a checked, ready-to-send plan. Everything a
// caller can get wrong is rejected here, before any I/O, with invalid_argument.
#pragma once

#include <chrono>
#include <string>

#include "caf/expected.hpp"

#include "alter/actors/client_settings.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/provider_call.hpp"
#include "alter/messages/validation.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/url.hpp"

namespace alter {

struct call_plan {
  std::string method;
  /// The provider URL with path and query parameters applied.
  std::string url;
  net::url target;
  /// The caller's headers (Content-Type added for JSON bodies).
  field_list headers;
  std::string body;
  grant_selector grant;
  /// The end-user JWT for this call, from the call or the client's getter.
  std::string user_token;
  std::string reason;
  field_list context;
  std::chrono::milliseconds timeout{0};
};

/// Credential headers (Authorization, Cookie, X-API-Key, X-Amz-Security-Token) and
/// x-alter-* headers are refused in both modes: only Alter injects credentials.
caf::expected<call_plan> plan_call(const provider_call& call,
                                   const client_settings& settings);

/// An App resolves provider= among one end user's grants, so it needs that
/// user's JWT; an agent resolves it among its own and delegated grants.
bool needs_user_token(const client_settings& settings, const grant_selector& grant);

} // namespace alter
