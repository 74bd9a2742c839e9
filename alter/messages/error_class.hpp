// The SDK's error classes and their parent relation, as Alter's SDK reference names
// them.
#pragma once

#include <string_view>

namespace alter {

// X(class, parent) for every class below the root AlterSDKError. The order is the
// tree read top-down; a parent precedes its children.
#define ALTER_ERROR_SUBCLASSES(X)                                                      \
  X(AlterValueError, AlterSDKError)                                                    \
  X(BackendError, AlterSDKError)                                                       \
  X(ReAuthRequiredError, BackendError)                                                 \
  X(GrantExpiredError, ReAuthRequiredError)                                            \
  X(GrantRevokedError, ReAuthRequiredError)                                            \
  X(CredentialRevokedError, ReAuthRequiredError)                                       \
  X(GrantDeletedError, ReAuthRequiredError)                                            \
  X(GrantNotFoundError, BackendError)                                                  \
  X(AmbiguousGrantError, BackendError)                                                 \
  X(PolicyViolationError, BackendError)                                                \
  X(InsufficientScopeError, BackendError)                                              \
  X(NoDelegatedGrantError, BackendError)                                               \
  X(RestrictedGrantRequiresProxyError, BackendError)                                   \
  X(SiblingLabelConflictError, BackendError)                                           \
  X(TokenRefreshInProgressError, BackendError)                                         \
  X(AgentError, BackendError)                                                          \
  X(InvalidKeyError, AgentError)                                                       \
  X(AgentNotFoundError, AgentError)                                                    \
  X(AgentNameExistsError, AgentError)                                                  \
  X(MeRequiresAgentKeyError, AgentError)                                               \
  X(KeyRevokedError, AgentError)                                                       \
  X(AgentInactiveError, AgentError)                                                    \
  X(AgentRevokedError, AgentError)                                                     \
  X(KeyNotFoundError, AgentError)                                                      \
  X(KeyAlreadyRevokedError, AgentError)                                                \
  X(LastActiveKeyError, AgentError)                                                    \
  X(AgentCannotMintSubagentsError, AgentError)                                         \
  X(AgentScopeNarrowingNotSupportedError, AgentError)                                  \
  X(IdempotencyKeyBodyMismatchError, AgentError)                                       \
  X(IdempotencyKeyAgentRevokedError, AgentError)                                       \
  X(IdempotencyKeyAgentInactiveError, AgentError)                                      \
  X(ConnectFlowError, AlterSDKError)                                                   \
  X(ConnectDeniedError, ConnectFlowError)                                              \
  X(ConnectConfigError, ConnectFlowError)                                              \
  X(ConnectTimeoutError, ConnectFlowError)                                             \
  X(ProviderAPIError, AlterSDKError)                                                   \
  X(ScopeReauthRequiredError, ProviderAPIError)                                        \
  X(ProviderUnauthorizedError, ProviderAPIError)                                       \
  X(ApprovalError, AlterSDKError)                                                      \
  X(ApprovalDeniedError, ApprovalError)                                                \
  X(ApprovalExpiredError, ApprovalError)                                               \
  X(ApprovalTimeoutError, ApprovalError)                                               \
  X(ApprovalExecutionFailedError, ApprovalError)                                       \
  X(NetworkError, AlterSDKError)                                                       \
  X(TimeoutError, NetworkError)

#define ALTER_ERROR_CLASSES(X)                                                         \
  X(AlterSDKError, AlterSDKError)                                                      \
  ALTER_ERROR_SUBCLASSES(X)

enum class error_class : unsigned char {
#define ALTER_X(name, parent) name,
  ALTER_ERROR_CLASSES(ALTER_X)
#undef ALTER_X
};

/// The class's name as the SDK reference spells it, e.g. "GrantNotFoundError".
std::string_view name_of(error_class c) noexcept;

/// The direct parent; AlterSDKError is its own parent (the root).
error_class parent_of(error_class c) noexcept;

/// True when `c` is `ancestor` or descends from it ("is this a BackendError?").
bool is_a(error_class c, error_class ancestor) noexcept;

} // namespace alter
