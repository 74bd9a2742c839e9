// The backend's answer to a token retrieval (retrieve mode): the credential and the
// instructions for injecting it into the provider request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alter/messages/field.hpp"

namespace alter {

/// One extra place the credential goes: a header or a query parameter.
struct injection {
  /// "header" or "query".
  std::string target;
  /// The header or parameter name.
  std::string key;
  /// "token" or "credential:<name>" (a value of additional_credentials).
  std::string value_source;
};

struct token_response {
  /// The secret itself. Never logged, never part of an error message.
  std::string access_token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;
  std::string expires_at;
  std::vector<std::string> scopes;
  std::string grant_id;
  std::string provider_id;
  bool scope_mismatch = false;
  /// With scope_mismatch: the scopes the provider requires that the grant was
  /// not given (ScopeReauthRequiredError's missing_scopes).
  std::vector<std::string> missing_scopes;
  /// The header that carries the credential, e.g. "Authorization" or "X-API-Key".
  std::string injection_header = "Authorization";
  /// A format string with a "{token}" placeholder, e.g. "Bearer {token}".
  std::string injection_format = "Bearer {token}";
  /// Non-secret extras (region, username for Basic, ...).
  field_list additional_credentials;
  std::vector<injection> additional_injections;
};

bool operator==(const injection& a, const injection& b) noexcept;
bool operator==(const token_response& a, const token_response& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, injection& x) {
  return f(caf::meta::type_name("injection"), x.target, x.key, x.value_source);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, token_response& x) {
  return f(caf::meta::type_name("token_response"), x.access_token, x.token_type,
           x.expires_in, x.expires_at, x.scopes, x.grant_id, x.provider_id,
           x.scope_mismatch, x.missing_scopes, x.injection_header, x.injection_format,
           x.additional_credentials, x.additional_injections);
}

} // namespace alter
