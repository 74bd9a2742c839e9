#include "alter/backend/api/idempotency_guard.hpp"

#include "alter/auth/crypto.hpp"
#include "alter/backend/store/process_identity.hpp"
#include "alter/backend/store/store.hpp"
#include "alter/messages/json_codec.hpp"

namespace alter::backend {

alter_error idempotency_refusal(const idempotency_lookup& x) {
  if (x.kind == idempotency_lookup::mismatch)
    return make_error(error_code::idempotency_key_body_mismatch,
                      "this Idempotency-Key was used for a different request");
  return make_error(error_code::idempotency_in_progress,
                    "a request with this Idempotency-Key is still executing");
}

std::string outcome_unknown_envelope() {
  return error_envelope(make_error(
      error_code::idempotency_outcome_unknown,
      "the backend stopped while the request with this Idempotency-Key was "
      "executing; whether the provider received it is unknown, so it is not run "
      "again"));
}

const std::string& idempotency_owner() {
  return this_process();
}

idempotency_guard::idempotency_guard(store& db, std::string app_id, std::string key,
                                     std::string request_hash,
                                     std::chrono::seconds lease)
    : db_(db), app_id_(std::move(app_id)), key_(std::move(key)),
      request_hash_(std::move(request_hash)), lease_(lease) {
}

idempotency_guard::~idempotency_guard() {
  if (!claimed_)
    return;
  // A request that ends without an answer: safe to rerun only if the provider
  // cannot have seen it.
  try {
    if (*claimed_ == idempotency_state::pending)
      db_.idempotency().release(app_id_, key_, idempotency_owner());
    else
      db_.idempotency().complete(
          app_id_, key_, idempotency_owner(),
          http_status_of(error_code::idempotency_outcome_unknown),
          outcome_unknown_envelope());
  } catch (const std::exception&) {
    // Left unfinished: the lease or the next start settles it.
  }
}

idempotency_lookup idempotency_guard::look_up() {
  if (!active())
    return {};
  auto row = db_.idempotency().find(app_id_, key_);
  // An unfinished claim is abandoned once its lease ran out. An executing one
  // is at once when the database knows its owner process has ended
  // (PostgreSQL): settling it only answers "outcome unknown", whereas a
  // pending one would be deleted and run again, which a process that merely
  // looks gone (its lock connection reconnecting) must never cause.
  auto abandoned = [&] {
    return row->state == idempotency_state::executing
           && row->owner != idempotency_owner() && db_.process_gone(row->owner);
  };
  // A cutoff later than any claim settles it whatever its age.
  auto claimed_before = [&] {
    return abandoned() ? now_iso8601(std::chrono::hours{24}) : now_iso8601(-lease_);
  };
  if (row && row->state != idempotency_state::done
      && db_.idempotency().settle_stale(
          app_id_, key_, claimed_before(),
          http_status_of(error_code::idempotency_outcome_unknown),
          outcome_unknown_envelope()))
    row = db_.idempotency().find(app_id_, key_);
  if (!row)
    return {};
  if (row->request_hash != request_hash_)
    return {idempotency_lookup::mismatch, 0, {}};
  if (row->state != idempotency_state::done)
    return {idempotency_lookup::in_progress, 0, {}};
  return {idempotency_lookup::replay, row->status, std::move(row->body)};
}

std::optional<idempotency_lookup> idempotency_guard::claim(idempotency_state state) {
  if (!active())
    return std::nullopt;
  if (db_.idempotency().claim(app_id_, key_, request_hash_, state,
                              idempotency_owner())) {
    claimed_ = state;
    return std::nullopt;
  }
  // Another request got there first (or an abandoned claim is in the way).
  auto found = look_up();
  if (found.kind != idempotency_lookup::proceed)
    return found;
  if (db_.idempotency().claim(app_id_, key_, request_hash_, state,
                              idempotency_owner())) {
    claimed_ = state;
    return std::nullopt;
  }
  return idempotency_lookup{idempotency_lookup::in_progress, 0, {}};
}

void idempotency_guard::release() {
  if (!claimed_)
    return;
  db_.idempotency().release(app_id_, key_, idempotency_owner());
  claimed_.reset();
}

void idempotency_guard::complete(repositories& db, int status, std::string_view body) {
  if (!claimed_)
    return;
  db.idempotency().complete(app_id_, key_, idempotency_owner(), status, body);
  claimed_.reset();
}

int64_t settle_interrupted_claims(store& db, bool shared, std::chrono::seconds lease) {
  return db.idempotency().settle_foreign(
      idempotency_owner(), shared ? now_iso8601(-lease) : std::string{},
      http_status_of(error_code::idempotency_outcome_unknown),
      outcome_unknown_envelope());
}

int64_t prune_idempotency(store& db, std::chrono::seconds window) {
  constexpr int64_t batch = 1000;
  auto before = now_iso8601(-window);
  int64_t total = 0;
  for (;;) {
    auto n = db.idempotency().prune(before, batch);
    total += n;
    if (n < batch)
      return total;
  }
}

} // namespace alter::backend
