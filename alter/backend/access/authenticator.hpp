// Checks every /v1 request before anything else: key, timestamp skew, signature,
// nonce replay; then resolves impersonation. Every failure is a typed error.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "caf/expected.hpp"

#include "alter/backend/access/caller_identity.hpp"
#include "alter/backend/http/http_server.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

class authenticator {
public:
  /// `clock` returns the current unix time in seconds; nonces are kept in the
  /// store, so that instances sharing it refuse each other's replays.
  authenticator(store& db, std::function<int64_t()> clock);

  caf::expected<caller_identity> authenticate(const server_request& req);

  /// Verifies x-alter-user-token; without one, user tokens are refused.
  void set_identity_provider(const identity_provider* idp) noexcept {
    idp_ = idp;
  }

private:
  const identity_provider* idp_ = nullptr;
  store& db_;
  /// Records the nonce; false when it was used (expired entries pruned now
  /// and then on the way).
  bool record_nonce(const std::string& nonce, int64_t timestamp, int64_t now);

  std::function<int64_t()> clock_;
  std::atomic<int64_t> last_nonce_sweep_{0};
};

} // namespace alter::backend
