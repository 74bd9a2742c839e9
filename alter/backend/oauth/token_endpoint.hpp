// The backend as an OAuth 2.0 client of a provider's authorization server:
// one POST to its token endpoint (RFC 6749 section 4.1.3 and 6), the client
// authenticated with client_secret_post. What comes back is hostile input
// like any provider answer: checked, bounded, never echoed into errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alter/backend/proxy/upstream_client.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/messages/field.hpp"

namespace alter::backend {

/// How a token request ended.
enum class token_outcome {
  granted,
  /// invalid_grant: the code or refresh token is dead (revoked, reused,
  /// expired); only a new consent helps.
  invalid_grant,
  /// Any other refusal (invalid_client, a malformed answer): a configuration
  /// problem, not the user's.
  refused,
  /// The server could not be reached, timed out or failed (5xx): try later.
  unavailable,
};

struct token_answer {
  token_outcome outcome = token_outcome::unavailable;
  std::string access_token;
  /// Empty when the server kept the refresh token it had (no rotation).
  std::string refresh_token;
  std::chrono::seconds expires_in{0};
  /// Empty when the server did not say (the requested scopes then hold).
  std::vector<std::string> scopes;
  /// What went wrong, for logs and audit rows: an OAuth error code or a
  /// description of ours; never a token.
  std::string problem;
};

/// POSTs `form` (grant_type and its parameters; the client's credentials are
/// added) to the provider's token endpoint. `done` runs once, on an I/O thread.
void request_tokens(upstream_client& http, const provider_record& provider,
                    field_list form, std::chrono::milliseconds timeout,
                    std::function<void(token_answer)> done);

/// The answer of a token endpoint as a token_answer (exposed for tests).
token_answer read_token_answer(int status, const std::string& body);

/// "a b c" -> {a, b, c}; empty entries dropped.
std::vector<std::string> split_scopes(std::string_view text);

} // namespace alter::backend
