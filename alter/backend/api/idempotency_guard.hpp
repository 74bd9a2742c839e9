// Exactly once for requests with an Idempotency-Key, as in Stripe's design: a
// key is claimed before anything irreversible happens; the answer is stored in
// the same transaction as the request's audit row; a claim whose owner died
// after the provider may have seen the request is never run again: its
// retries get 409 idempotency_outcome_unknown. Only a claim given up before
// the upstream call (released, or pending when its owner died) runs again.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "alter/backend/store/records.hpp"
#include "alter/messages/alter_error.hpp"

namespace alter::backend {

class repositories;
class store;

/// What presenting a key found.
struct idempotency_lookup {
  enum kind_t {
    /// No claim: the request may run.
    proceed,
    /// Finished before (or settled as outcome unknown): replay `status` and `body`.
    replay,
    /// Another request holds the key and may still be running.
    in_progress,
    /// The key was used with a different request.
    mismatch,
  };
  kind_t kind = proceed;
  int status = 0;
  std::string body;
};

/// The error a lookup of kind in_progress or mismatch answers with.
alter_error idempotency_refusal(const idempotency_lookup& x);

/// One request's hold on its key. Inactive (every step a no-op) without a key.
/// Released when destroyed unless completed: a request that stops before its
/// answer is stored gives the key back (pending), or settles it as outcome
/// unknown (executing: the provider may have seen it).
class idempotency_guard {
public:
  /// `lease`: how long a claim may stay unfinished before it counts as
  /// abandoned by a dead owner (longer than any request can run).
  idempotency_guard(store& db, std::string app_id, std::string key,
                    std::string request_hash, std::chrono::seconds lease);
  idempotency_guard(const idempotency_guard&) = delete;
  idempotency_guard& operator=(const idempotency_guard&) = delete;
  ~idempotency_guard();

  bool active() const noexcept {
    return !key_.empty();
  }

  const std::string& key() const noexcept {
    return key_;
  }

  /// What the key stands for now; a claim abandoned by a dead owner is settled
  /// first (deleted when pending, outcome unknown when executing).
  idempotency_lookup look_up();

  /// Claims the key in `state`; on success nullopt, else what holds it.
  std::optional<idempotency_lookup> claim(idempotency_state state);

  /// Gives the key back: the request stopped before the provider saw it, so a
  /// retry may run it.
  void release();

  /// Stores the answer through `db`: the transaction that writes the request's
  /// audit row. The guard no longer gives the key back.
  void complete(repositories& db, int status, std::string_view body);

private:
  store& db_;
  std::string app_id_;
  std::string key_;
  std::string request_hash_;
  std::chrono::seconds lease_;
  std::optional<idempotency_state> claimed_;
};

/// The identity of this process's claims (random per process).
const std::string& idempotency_owner();

/// At start: the claims other owners left unfinished are settled. Alone on the
/// database (`shared` false), every one: this is a restart, their owner is
/// dead. With live peers sharing the database (`shared`), only those older
/// than `lease`: a younger one may belong to a peer's request still running.
/// Returns how many.
int64_t settle_interrupted_claims(store& db, bool shared, std::chrono::seconds lease);

/// Deletes finished claims older than `window` in batches; returns how many.
int64_t prune_idempotency(store& db, std::chrono::seconds window);

/// The 409 idempotency_outcome_unknown envelope stored for abandoned claims.
std::string outcome_unknown_envelope();

} // namespace alter::backend
