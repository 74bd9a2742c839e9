// Internal to the store's .cpp files: the columns that hold secrets, each kept
// sealed by the barrier (see barrier.hpp), and the row key that binds a value to
// its row. One list, so that writing, reading, migrating and rotating agree.
#pragma once

#include <array>

namespace alter::backend {

enum class sealed_column {
  secret_value,
  secret_credentials,
  setting_value,
  idempotency_response,
  approval_result,
  approver_csrf,
  session_result,
  provider_client_secret,
  oauth_access_token,
  oauth_refresh_token,
  oauth_flow_verifier,
};

struct sealed_column_spec {
  sealed_column which;
  const char* table;
  const char* column;
  /// The primary key columns, comma-separated, in the order of the row parts.
  const char* row_key;
  int row_parts;
  /// NULL (no value yet) is allowed; elsewhere an empty cell is an error.
  bool nullable;
};

inline constexpr std::array<sealed_column_spec, 11> sealed_columns{{
    {sealed_column::secret_value, "managed_secrets", "value", "id", 1, false},
    {sealed_column::secret_credentials, "managed_secrets",
     "additional_credentials_json", "id", 1, false},
    // The identity provider's RSA private key lives here.
    {sealed_column::setting_value, "backend_settings", "value", "name", 1, false},
    // Stored answers of proxied calls can carry what providers return.
    {sealed_column::idempotency_response, "idempotency", "response_body",
     "app_id, idem_key", 2, true},
    {sealed_column::approval_result, "approvals", "result_json", "id", 1, true},
    {sealed_column::approver_csrf, "approver_sessions", "csrf_token", "session_hash", 1,
     false},
    // A completed sign-in keeps its JWT here until it is polled once.
    {sealed_column::session_result, "interactive_sessions", "result_json", "token_hash",
     1, false},
    // OAuth: this backend's client secret at a provider, each grant's tokens,
    // and the PKCE verifier of an authorization under way.
    {sealed_column::provider_client_secret, "providers", "oauth_client_secret", "id", 1,
     true},
    {sealed_column::oauth_access_token, "oauth_tokens", "access_token", "grant_id", 1,
     false},
    {sealed_column::oauth_refresh_token, "oauth_tokens", "refresh_token", "grant_id", 1,
     false},
    {sealed_column::oauth_flow_verifier, "oauth_flows", "verifier", "state_hash", 1,
     false},
}};

inline constexpr const sealed_column_spec& spec_of(sealed_column c) {
  return sealed_columns[static_cast<std::size_t>(c)];
}

} // namespace alter::backend
