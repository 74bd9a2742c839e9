// Every error code of wire protocol v1 and of the SDK itself, with its HTTP status and
// SDK error class. docs/protocol.md prints the same table; tests keep the two in step.
#pragma once

#include <optional>
#include <string_view>

#include "alter/messages/error_class.hpp"

namespace alter {

// X(code, http_status, error_class). Status 0 marks codes the SDK raises locally,
// which never travel on the wire.
#define ALTER_ERROR_CODES(X)                                                           \
  /* raised by the SDK before or instead of any I/O */                                 \
  X(client_closed, 0, AlterSDKError)                                                   \
  X(invalid_argument, 0, AlterValueError)                                              \
  X(network_error, 0, NetworkError)                                                    \
  X(tls_error, 0, NetworkError)                                                        \
  X(overloaded, 0, NetworkError)                                                       \
  X(timeout, 0, TimeoutError)                                                          \
  X(malformed_response, 0, BackendError)                                               \
  X(approval_timeout, 0, ApprovalTimeoutError)                                         \
  X(connect_timeout, 0, ConnectTimeoutError)                                           \
  /* request shape */                                                                  \
  X(invalid_request, 400, BackendError)                                                \
  X(malformed_json, 400, BackendError)                                                 \
  X(forbidden_header, 400, BackendError)                                               \
  X(invalid_constraints, 400, BackendError)                                            \
  X(constraint_not_narrowing, 400, BackendError)                                       \
  X(user_token_not_allowed, 400, BackendError)                                         \
  X(idempotency_key_invalid, 400, BackendError)                                        \
  X(idempotency_key_required, 400, BackendError)                                       \
  X(invalid_attribution, 400, BackendError)                                            \
  X(not_found, 404, BackendError)                                                      \
  X(method_not_allowed, 405, BackendError)                                             \
  X(idempotency_in_progress, 409, BackendError)                                        \
  X(idempotency_outcome_unknown, 409, BackendError)                                    \
  X(payload_too_large, 413, BackendError)                                              \
  X(unsupported_media_type, 415, BackendError)                                         \
  X(headers_too_large, 431, BackendError)                                              \
  X(internal_error, 500, BackendError)                                                 \
  X(audit_write_failed, 500, BackendError)                                             \
  X(bad_gateway, 502, BackendError)                                                    \
  X(service_unavailable, 503, BackendError)                                            \
  X(gateway_timeout, 504, BackendError)                                                \
  X(unknown_error, 500, BackendError)                                                  \
  /* authentication: checked before anything else */                                   \
  X(missing_api_key, 401, InvalidKeyError)                                             \
  X(invalid_key, 401, InvalidKeyError)                                                 \
  X(invalid_signature, 401, BackendError)                                              \
  X(timestamp_out_of_range, 401, BackendError)                                         \
  X(nonce_replayed, 401, BackendError)                                                 \
  /* authorization and policy */                                                       \
  X(insufficient_scope, 403, InsufficientScopeError)                                   \
  X(policy_denied, 403, PolicyViolationError)                                          \
  X(url_not_allowed, 403, PolicyViolationError)                                        \
  X(rate_limited, 429, PolicyViolationError)                                           \
  /* grants */                                                                         \
  X(reauth_required, 401, ReAuthRequiredError)                                         \
  X(grant_expired, 410, GrantExpiredError)                                             \
  X(grant_revoked, 410, GrantRevokedError)                                             \
  X(credential_revoked, 410, CredentialRevokedError)                                   \
  X(grant_deleted, 410, GrantDeletedError)                                             \
  X(grant_not_found, 404, GrantNotFoundError)                                          \
  X(ambiguous_grant, 409, AmbiguousGrantError)                                         \
  X(no_delegated_grant, 403, NoDelegatedGrantError)                                    \
  X(hitl_grant_requires_proxy, 403, RestrictedGrantRequiresProxyError)                 \
  X(sibling_label_conflict, 409, SiblingLabelConflictError)                            \
  X(token_refresh_in_progress, 409, TokenRefreshInProgressError)                       \
  /* agents and keys */                                                                \
  X(agent_error, 400, AgentError)                                                      \
  X(agent_not_found, 404, AgentNotFoundError)                                          \
  X(agent_name_exists, 409, AgentNameExistsError)                                      \
  X(me_requires_agent_key, 400, MeRequiresAgentKeyError)                               \
  X(key_revoked, 409, KeyRevokedError)                                                 \
  X(agent_inactive, 403, AgentInactiveError)                                           \
  X(agent_revoked, 403, AgentRevokedError)                                             \
  X(key_not_found, 404, KeyNotFoundError)                                              \
  X(key_already_revoked, 409, KeyAlreadyRevokedError)                                  \
  X(last_active_key, 409, LastActiveKeyError)                                          \
  X(agent_cannot_mint_subagents, 403, AgentCannotMintSubagentsError)                   \
  X(agent_scope_narrowing_not_supported, 400, AgentScopeNarrowingNotSupportedError)    \
  X(idempotency_key_body_mismatch, 422, IdempotencyKeyBodyMismatchError)               \
  X(idempotency_key_agent_revoked, 409, IdempotencyKeyAgentRevokedError)               \
  X(idempotency_key_agent_inactive, 409, IdempotencyKeyAgentInactiveError)             \
  /* Connect */                                                                        \
  X(connect_flow_failed, 400, ConnectFlowError)                                        \
  X(connect_denied, 403, ConnectDeniedError)                                           \
  X(connect_config_invalid, 422, ConnectConfigError)                                   \
  X(connect_session_expired, 410, ConnectTimeoutError)                                 \
  /* providers */                                                                      \
  X(provider_error, 502, ProviderAPIError)                                             \
  X(upstream_unreachable, 502, ProviderAPIError)                                       \
  X(upstream_timeout, 504, ProviderAPIError)                                           \
  X(scope_reauth_required, 403, ScopeReauthRequiredError)                              \
  X(provider_unauthorized, 401, ProviderUnauthorizedError)                             \
  /* approvals */                                                                      \
  X(approval_not_found, 404, ApprovalError)                                            \
  X(approval_denied, 403, ApprovalDeniedError)                                         \
  X(approval_expired, 410, ApprovalExpiredError)                                       \
  X(approval_execution_failed, 502, ApprovalExecutionFailedError)

enum class error_code : unsigned char {
#define ALTER_X(name, status, cls) name,
  ALTER_ERROR_CODES(ALTER_X)
#undef ALTER_X
};

/// The wire spelling, e.g. "grant_not_found".
std::string_view name_of(error_code c) noexcept;

/// The code for a wire spelling; nullopt for a code this SDK does not know.
std::optional<error_code> parse_error_code(std::string_view name) noexcept;

/// The HTTP status the backend answers with; 0 for SDK-local codes.
int http_status_of(error_code c) noexcept;

/// The SDK error class a caller catches.
error_class class_of(error_code c) noexcept;

/// All codes, in table order (for documentation and exhaustive tests).
const error_code* all_error_codes(std::size_t& count) noexcept;

} // namespace alter
