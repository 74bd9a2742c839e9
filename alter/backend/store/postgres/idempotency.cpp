// The PostgreSQL store's Idempotency-Key claims.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

std::optional<idempotency_record> pg_idempotency::find(std::string_view app_id,
                                                       std::string_view key) {
  pg_lease lease{scope_};
  auto s = lease.query("SELECT request_hash, state, response_status, response_body, "
                       "created_at, owner FROM idempotency "
                       "WHERE app_id = $1 AND idem_key = $2");
  s.bind(1, app_id).bind(2, key);
  auto out = s.first([](const pg_row& row) {
    idempotency_record x;
    x.request_hash = row.text(0);
    // An unreadable state counts as executing: never run twice.
    x.state
        = idempotency_state_from(row.text(1)).value_or(idempotency_state::executing);
    x.status = static_cast<int>(row.integer(2));
    x.body = row.bytes(3);
    x.created_at = row.text(4);
    x.owner = row.text(5);
    return x;
  });
  if (out && out->state == idempotency_state::done)
    out->body
        = lease.open(sealed_column::idempotency_response, {app_id, key}, out->body);
  return out;
}

bool pg_idempotency::claim(std::string_view app_id, std::string_view key,
                           std::string_view request_hash, idempotency_state state,
                           std::string_view owner) {
  pg_lease lease{scope_};
  auto s = lease.query("INSERT INTO idempotency(app_id, idem_key, "
                       "request_hash, state, created_at, owner) "
                       "VALUES($1, $2, $3, $4, $5, $6) "
                       "ON CONFLICT(app_id, idem_key) DO NOTHING");
  s.bind(1, app_id).bind(2, key).bind(3, request_hash).bind(4, to_string(state));
  s.bind(5, now_iso8601()).bind(6, owner);
  return s.run().affected() == 1;
}

bool pg_idempotency::complete(std::string_view app_id, std::string_view key,
                              std::string_view owner, int status,
                              std::string_view body) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE idempotency SET state = 'done', response_status = $4, "
                       "response_body = $5 WHERE app_id = $1 AND idem_key = $2 "
                       "AND owner = $3 AND state != 'done'");
  s.bind(1, app_id).bind(2, key).bind(3, owner).bind(4, int64_t{status});
  s.bind_blob(5, lease.seal(sealed_column::idempotency_response, {app_id, key}, body));
  return s.run().affected() == 1;
}

void pg_idempotency::release(std::string_view app_id, std::string_view key,
                             std::string_view owner) {
  pg_lease lease{scope_};
  auto s = lease.query("DELETE FROM idempotency WHERE app_id = $1 AND idem_key = $2 "
                       "AND owner = $3 AND state != 'done'");
  s.bind(1, app_id).bind(2, key).bind(3, owner);
  s.run();
}

bool pg_idempotency::settle_stale(std::string_view app_id, std::string_view key,
                                  std::string_view claimed_before, int status,
                                  std::string_view body) {
  pg_lease lease{scope_};
  auto drop
      = lease.query("DELETE FROM idempotency WHERE app_id = $1 "
                    "AND idem_key = $2 AND state = 'pending' AND created_at < $3");
  drop.bind(1, app_id).bind(2, key).bind(3, claimed_before);
  if (drop.run().affected() == 1)
    return true;
  // 'in_progress' is what databases written before the states were split hold.
  auto settle
      = lease.query("UPDATE idempotency SET state = 'done', response_status = $4, "
                    "response_body = $5 WHERE app_id = $1 AND idem_key = $2 "
                    "AND state NOT IN ('done', 'pending') AND created_at < $3");
  settle.bind(1, app_id).bind(2, key).bind(3, claimed_before).bind(4, int64_t{status});
  settle.bind_blob(
      5, lease.seal(sealed_column::idempotency_response, {app_id, key}, body));
  return settle.run().affected() == 1;
}

int64_t pg_idempotency::settle_foreign(std::string_view owner,
                                       std::string_view claimed_before, int status,
                                       std::string_view body) {
  pg_lease lease{scope_};
  // $2 empty: claims of any age (the one server of a database starting). With
  // live peers, only claims older than the lease: no live request runs so long.
  auto drop = lease.query("DELETE FROM idempotency WHERE state = 'pending' "
                          "AND (owner IS NULL OR owner != $1) "
                          "AND ($2 = '' OR created_at < $2)");
  drop.bind(1, owner).bind(2, claimed_before);
  int64_t settled = drop.run().affected();
  // Each answer is sealed for its own row, so they are written one by one; a
  // crash half-way leaves the rest for the next start.
  auto open_rows = lease.query("SELECT app_id, idem_key FROM idempotency WHERE "
                               "state NOT IN ('done', 'pending') "
                               "AND (owner IS NULL OR owner != $1) "
                               "AND ($2 = '' OR created_at < $2)");
  open_rows.bind(1, owner).bind(2, claimed_before);
  auto keys = open_rows.all(
      [](const pg_row& row) { return std::make_pair(row.text(0), row.text(1)); });
  // The same conditions again: a row whose owner completed it meanwhile stays.
  auto settle = lease.query(
      "UPDATE idempotency SET state = 'done', response_status = $3, "
      "response_body = $4 WHERE app_id = $1 AND idem_key = $2 "
      "AND state NOT IN ('done', 'pending') AND (owner IS NULL OR owner != $5) "
      "AND ($6 = '' OR created_at < $6)");
  for (const auto& [app_id, key] : keys) {
    settle.bind(1, app_id).bind(2, key).bind(3, int64_t{status});
    settle.bind_blob(
        4, lease.seal(sealed_column::idempotency_response, {app_id, key}, body));
    settle.bind(5, owner).bind(6, claimed_before);
    settled += settle.run().affected();
  }
  return settled;
}

int64_t pg_idempotency::prune(std::string_view before, int64_t limit) {
  pg_lease lease{scope_};
  // Bounded batches keep the row locks short under load; rows another
  // instance is pruning right now are skipped, not waited for.
  auto s = lease.query("DELETE FROM idempotency WHERE (app_id, idem_key) IN ("
                       "SELECT app_id, idem_key FROM idempotency WHERE state = 'done' "
                       "AND created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)");
  s.bind(1, before).bind(2, limit);
  return s.run().affected();
}

} // namespace alter::backend
