// The SQLite store's Idempotency-Keys.
#include "backend/store/sqlite/repositories.hpp"
#include "backend/store/sqlite/rows.hpp"
#include "backend/store/sqlite/sealed_columns.hpp"
#include "backend/store/store.hpp"

namespace alter::backend {

idempotency_claim sqlite_idempotency::claim(std::string_view app_id,
                                            std::string_view key,
                                            std::string_view request_hash,
                                            std::chrono::seconds stale_after) {
  connection_lease lease{scope_};
  // A claim whose owner never finished (the backend died mid-call) is released.
  auto& stale
      = lease.cached("DELETE FROM idempotency WHERE app_id = ?1 AND idem_key = ?2 "
                     "AND state = 'in_progress' AND created_at < ?3");
  stale.bind(1, app_id).bind(2, key).bind(3, now_iso8601(-stale_after));
  stale.execute();
  auto& ins = lease.cached("INSERT OR IGNORE INTO idempotency(app_id, idem_key, "
                           "request_hash, state, created_at) "
                           "VALUES(?1, ?2, ?3, 'in_progress', ?4)");
  ins.bind(1, app_id).bind(2, key).bind(3, request_hash).bind(4, now_iso8601());
  ins.execute();
  if (lease.changes() == 1)
    return {idempotency_claim::fresh, 0, {}};
  auto& sel = lease.cached("SELECT request_hash, state, response_status, response_body "
                           "FROM idempotency WHERE app_id = ?1 AND idem_key = ?2");
  sel.bind(1, app_id).bind(2, key);
  idempotency_claim out;
  if (sel.step()) {
    if (sel.text(0) != request_hash)
      out.kind = idempotency_claim::mismatch;
    else if (sel.text(1) == "done")
      out = {idempotency_claim::done, static_cast<int>(sel.integer(2)), sel.blob(3)};
    else
      out.kind = idempotency_claim::in_progress;
  }
  sel.reset();
  if (out.kind == idempotency_claim::done)
    out.body = lease.open(sealed_column::idempotency_response, {app_id, key}, out.body);
  return out;
}

void sqlite_idempotency::complete(std::string_view app_id, std::string_view key,
                                  int status, std::string_view body) {
  connection_lease lease{scope_};
  auto& s = lease.cached("UPDATE idempotency SET state = 'done', response_status = ?3, "
                         "response_body = ?4 WHERE app_id = ?1 AND idem_key = ?2");
  s.bind(1, app_id).bind(2, key).bind(3, int64_t{status});
  s.bind_blob(4, lease.seal(sealed_column::idempotency_response, {app_id, key}, body));
  s.execute();
}

void sqlite_idempotency::release(std::string_view app_id, std::string_view key) {
  connection_lease lease{scope_};
  auto& s = lease.cached("DELETE FROM idempotency WHERE app_id = ?1 AND idem_key = ?2");
  s.bind(1, app_id).bind(2, key);
  s.execute();
}

} // namespace alter::backend
