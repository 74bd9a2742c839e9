// The nonces of accepted signed requests, kept in the database for as long as
// their timestamps can pass the skew check, so that a captured request replays
// neither before nor after a restart, nor on another instance sharing the
// database (the nonce is the row's key: of two instances recording one nonce,
// exactly one succeeds).
#pragma once

#include <cstdint>
#include <string_view>

namespace alter::backend {

class nonces_repository {
public:
  virtual ~nonces_repository() = default;

  /// Records `nonce` until `expires_at` (unix seconds); false when it is already
  /// recorded and its entry has not expired at `now` (an expired entry is taken
  /// over: its request could not pass the skew check any more). Durable once it
  /// returns, at least against the process being killed. Throws when the
  /// database fails: a nonce that cannot be recorded is not accepted.
  virtual bool record(std::string_view nonce, int64_t expires_at, int64_t now) = 0;

  /// Deletes the entries expired at `now`; how many.
  virtual int64_t prune(int64_t now) = 0;
};

} // namespace alter::backend
