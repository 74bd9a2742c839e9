// The JSON bodies the SDK sends to the backend's credential-using routes.
#pragma once

#include <string>

#include "alter/messages/field.hpp"

namespace alter {

/// Shared by both routes: which grant, and what the audit trail should say.
struct grant_selector {
  std::string grant_id;
  std::string provider;
  std::string account;
  std::string label;
};

/// POST /v1/tokens/retrieve
struct token_request {
  grant_selector grant;
  std::string reason;
  field_list context;
};

/// POST /v1/proxy/execute
struct proxy_request {
  grant_selector grant;
  std::string method;
  /// The full upstream URL, query included.
  std::string url;
  field_list headers;
  std::string body_b64;
  std::string reason;
  field_list context;
};

bool operator==(const grant_selector& a, const grant_selector& b) noexcept;
bool operator==(const token_request& a, const token_request& b) noexcept;
bool operator==(const proxy_request& a, const proxy_request& b) noexcept;

} // namespace alter
