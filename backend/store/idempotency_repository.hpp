// What each Idempotency-Key of an app stands for (exactly-once proxy calls).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace alter::backend {

/// What an Idempotency-Key already stands for.
struct idempotency_claim {
  enum kind_t {
    /// First use: this request now owns the key and must complete or release it.
    fresh,
    /// Another request with this key is still executing.
    in_progress,
    /// Executed before: `status` and `body` are its answer, to replay.
    done,
    /// Used before with a different request.
    mismatch,
  };
  kind_t kind = fresh;
  int status = 0;
  std::string body;
};

class idempotency_repository {
public:
  virtual ~idempotency_repository() = default;

  /// Claims `key` for the request whose hash is `request_hash` (per app). A claim
  /// still in progress after `stale_after` is taken over: its owner died.
  virtual idempotency_claim
  claim(std::string_view app_id, std::string_view key, std::string_view request_hash,
        std::chrono::seconds stale_after = std::chrono::seconds{60})
      = 0;
  /// Stores the answer of the request that owns the key.
  virtual void complete(std::string_view app_id, std::string_view key, int status,
                        std::string_view body)
      = 0;
  /// Gives the key up: the request never reached the upstream, a retry may run.
  virtual void release(std::string_view app_id, std::string_view key) = 0;
};

} // namespace alter::backend
