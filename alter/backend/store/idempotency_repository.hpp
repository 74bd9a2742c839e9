// What each Idempotency-Key of an app stands for (exactly-once proxy calls).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

/// The rows behind Idempotency-Keys, per app. The protocol around them lives in
/// backend/api/idempotency_guard.hpp; every transition here is one conditional
/// statement, so of a completion and a settlement racing exactly one wins.
class idempotency_repository {
public:
  virtual ~idempotency_repository() = default;

  virtual std::optional<idempotency_record> find(std::string_view app_id,
                                                 std::string_view key)
      = 0;
  /// Inserts a claim; false when the key already has a row.
  virtual bool claim(std::string_view app_id, std::string_view key,
                     std::string_view request_hash, idempotency_state state,
                     std::string_view owner)
      = 0;
  /// The owner's claim -> done with its answer; false when it is no longer the
  /// owner's (settled as abandoned meanwhile).
  virtual bool complete(std::string_view app_id, std::string_view key,
                        std::string_view owner, int status, std::string_view body)
      = 0;
  /// Deletes the owner's unfinished claim: a retry may run the request.
  virtual void release(std::string_view app_id, std::string_view key,
                       std::string_view owner)
      = 0;
  /// A claim unfinished since before `claimed_before` -> done with this answer
  /// (executing) or deleted (pending). Whether anything changed.
  virtual bool settle_stale(std::string_view app_id, std::string_view key,
                            std::string_view claimed_before, int status,
                            std::string_view body)
      = 0;
  /// Every unfinished claim of owners other than `owner` made before
  /// `claimed_before` (every one when empty): executing -> done with this
  /// answer, pending -> deleted (a restart). How many.
  virtual int64_t settle_foreign(std::string_view owner,
                                 std::string_view claimed_before, int status,
                                 std::string_view body)
      = 0;
  /// Deletes up to `limit` finished claims made before `before`; how many.
  virtual int64_t prune(std::string_view before, int64_t limit) = 0;
};

} // namespace alter::backend
