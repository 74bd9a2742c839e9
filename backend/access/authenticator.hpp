// Checks every /v1 request before anything else: key, timestamp skew, signature,
// nonce replay; then resolves impersonation. Every failure is a typed error.
#pragma once

#include <cstdint>
#include <functional>

#include "caf/expected.hpp"

#include "backend/access/caller_identity.hpp"
#include "backend/access/nonce_ledger.hpp"
#include "backend/http/http_server.hpp"
#include "backend/identity/identity_provider.hpp"
#include "backend/store/store.hpp"

namespace alter::backend {

class authenticator {
public:
  /// `clock` returns the current unix time in seconds; nonces are kept in the
  /// database at `database_path` (the store's).
  authenticator(store& db, const std::string& database_path,
                std::function<int64_t()> clock);

  caf::expected<caller_identity> authenticate(const server_request& req);

  /// Verifies x-alter-user-token; without one, user tokens are refused.
  void set_identity_provider(const identity_provider* idp) noexcept {
    idp_ = idp;
  }

private:
  const identity_provider* idp_ = nullptr;
  store& db_;
  std::function<int64_t()> clock_;
  nonce_ledger nonces_;
};

} // namespace alter::backend
