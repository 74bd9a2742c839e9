// The SQLite store's Idempotency-Key claims.
#include "alter/backend/store/sqlite/repositories.hpp"
#include "alter/backend/store/sqlite/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

std::optional<idempotency_record> sqlite_idempotency::find(std::string_view app_id,
                                                           std::string_view key) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached("SELECT request_hash, state, response_status, response_body, "
                         "created_at, owner FROM idempotency "
                         "WHERE app_id = ?1 AND idem_key = ?2");
  s.bind(1, app_id).bind(2, key);
  std::optional<idempotency_record> out;
  if (s.step()) {
    idempotency_record x;
    x.request_hash = s.text(0);
    // An unreadable state counts as executing: never run twice.
    x.state = idempotency_state_from(s.text(1)).value_or(idempotency_state::executing);
    x.status = static_cast<int>(s.integer(2));
    x.body = s.blob(3);
    x.created_at = s.text(4);
    x.owner = s.text(5);
    out = std::move(x);
  }
  s.reset();
  if (out && out->state == idempotency_state::done)
    out->body
        = lease.open(sealed_column::idempotency_response, {app_id, key}, out->body);
  return out;
}

bool sqlite_idempotency::claim(std::string_view app_id, std::string_view key,
                               std::string_view request_hash, idempotency_state state,
                               std::string_view owner) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("INSERT OR IGNORE INTO idempotency(app_id, idem_key, "
                         "request_hash, state, created_at, owner) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  s.bind(1, app_id).bind(2, key).bind(3, request_hash).bind(4, to_string(state));
  s.bind(5, now_iso8601()).bind(6, owner);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

bool sqlite_idempotency::complete(std::string_view app_id, std::string_view key,
                                  std::string_view owner, int status,
                                  std::string_view body) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE idempotency SET state = 'done', response_status = ?4, "
                         "response_body = ?5 WHERE app_id = ?1 AND idem_key = ?2 "
                         "AND owner = ?3 AND state != 'done'");
  s.bind(1, app_id).bind(2, key).bind(3, owner).bind(4, int64_t{status});
  s.bind_blob(5, lease.seal(sealed_column::idempotency_response, {app_id, key}, body));
  s.execute();
  return lease.commit(lease.changes() == 1);
}

void sqlite_idempotency::release(std::string_view app_id, std::string_view key,
                                 std::string_view owner) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("DELETE FROM idempotency WHERE app_id = ?1 AND idem_key = ?2 "
                         "AND owner = ?3 AND state != 'done'");
  s.bind(1, app_id).bind(2, key).bind(3, owner);
  s.execute();
  lease.commit();
}

bool sqlite_idempotency::settle_stale(std::string_view app_id, std::string_view key,
                                      std::string_view claimed_before, int status,
                                      std::string_view body) {
  connection_lease lease{scope_, access::write};
  auto& drop
      = lease.cached("DELETE FROM idempotency WHERE app_id = ?1 "
                     "AND idem_key = ?2 AND state = 'pending' AND created_at < ?3");
  drop.bind(1, app_id).bind(2, key).bind(3, claimed_before);
  drop.execute();
  if (lease.changes() == 1)
    return lease.commit(true);
  // 'in_progress' is what databases written before the states were split hold.
  auto& settle
      = lease.cached("UPDATE idempotency SET state = 'done', response_status = ?4, "
                     "response_body = ?5 WHERE app_id = ?1 AND idem_key = ?2 "
                     "AND state NOT IN ('done', 'pending') AND created_at < ?3");
  settle.bind(1, app_id).bind(2, key).bind(3, claimed_before).bind(4, int64_t{status});
  settle.bind_blob(
      5, lease.seal(sealed_column::idempotency_response, {app_id, key}, body));
  settle.execute();
  return lease.commit(lease.changes() == 1);
}

int64_t sqlite_idempotency::settle_foreign(std::string_view owner,
                                           std::string_view claimed_before, int status,
                                           std::string_view body) {
  connection_lease lease{scope_, access::write};
  // ?2 empty: claims of any age. Every other owner's claim is settled only at
  // the start of the one server of a database; with live peers, only claims
  // older than the lease (no live request runs that long).
  auto& drop = lease.cached("DELETE FROM idempotency WHERE state = 'pending' "
                            "AND (owner IS NULL OR owner != ?1) "
                            "AND (COALESCE(?2, '') = '' OR created_at < ?2)");
  drop.bind(1, owner).bind(2, claimed_before);
  drop.execute();
  int64_t settled = lease.changes();
  // Each answer is sealed for its own row, so they are written one by one (all
  // in this call's one transaction).
  std::vector<std::pair<std::string, std::string>> keys;
  auto& open_rows = lease.cached("SELECT app_id, idem_key FROM idempotency WHERE "
                                 "state NOT IN ('done', 'pending') "
                                 "AND (owner IS NULL OR owner != ?1) "
                                 "AND (COALESCE(?2, '') = '' OR created_at < ?2)");
  open_rows.bind(1, owner).bind(2, claimed_before);
  while (open_rows.step())
    keys.emplace_back(open_rows.text(0), open_rows.text(1));
  open_rows.reset();
  // The same conditions again: a row whose owner completed it meanwhile stays.
  auto& settle = lease.cached(
      "UPDATE idempotency SET state = 'done', response_status = ?3, "
      "response_body = ?4 WHERE app_id = ?1 AND idem_key = ?2 "
      "AND state NOT IN ('done', 'pending') AND (owner IS NULL OR owner != ?5) "
      "AND (COALESCE(?6, '') = '' OR created_at < ?6)");
  for (const auto& [app_id, key] : keys) {
    settle.reset();
    settle.bind(1, app_id).bind(2, key).bind(3, int64_t{status});
    settle.bind_blob(
        4, lease.seal(sealed_column::idempotency_response, {app_id, key}, body));
    settle.bind(5, owner).bind(6, claimed_before);
    settle.execute();
    settled += lease.changes();
  }
  return lease.commit(settled);
}

int64_t sqlite_idempotency::prune(std::string_view before, int64_t limit) {
  connection_lease lease{scope_, access::write};
  // Bounded batches keep the write lock short under load.
  auto& s
      = lease.cached("DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM "
                     "idempotency WHERE state = 'done' AND created_at < ?1 LIMIT ?2)");
  s.bind(1, before).bind(2, limit);
  s.execute();
  return lease.commit(lease.changes());
}

} // namespace alter::backend
