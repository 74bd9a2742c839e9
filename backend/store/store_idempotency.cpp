// The rows behind Idempotency-Keys. Every transition is one conditional
// statement, so a completion racing a settlement has exactly one winner.
#include "backend/store/store.hpp"
#include "backend/store/store_sealing.hpp"

namespace alter::backend {

std::string_view to_string(idempotency_state x) noexcept {
  switch (x) {
    case idempotency_state::pending:
      return "pending";
    case idempotency_state::executing:
      return "executing";
    case idempotency_state::done:
      return "done";
  }
  return "pending";
}

std::optional<idempotency_state> idempotency_state_from(std::string_view x) noexcept {
  for (auto s : {idempotency_state::pending, idempotency_state::executing,
                 idempotency_state::done})
    if (to_string(s) == x)
      return s;
  // Databases written before the states were split knew only one unfinished state.
  if (x == "in_progress")
    return idempotency_state::executing;
  return std::nullopt;
}

std::optional<idempotency_record> store::find_idempotency(std::string_view app_id,
                                                          std::string_view key) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(
      "SELECT request_hash, state, response_status, response_body, "
      "created_at, owner FROM idempotency WHERE app_id = ?1 AND idem_key = ?2");
  s.bind(1, app_id).bind(2, key);
  std::optional<idempotency_record> out;
  if (s.step()) {
    idempotency_record x;
    x.request_hash = s.text(0);
    // An unreadable state is treated as executing: never run twice.
    x.state = idempotency_state_from(s.text(1)).value_or(idempotency_state::executing);
    x.status = static_cast<int>(s.integer(2));
    x.body = s.blob(3);
    x.created_at = s.text(4);
    x.owner = s.text(5);
    out = std::move(x);
  }
  s.reset();
  if (out && out->state == idempotency_state::done)
    out->body = open(sealed_column::idempotency_response, {app_id, key}, out->body);
  return out;
}

bool store::insert_idempotency_claim(std::string_view app_id, std::string_view key,
                                     std::string_view request_hash,
                                     idempotency_state state, std::string_view owner) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT OR IGNORE INTO idempotency(app_id, idem_key, request_hash, "
                   "state, created_at, owner) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  s.bind(1, app_id).bind(2, key).bind(3, request_hash).bind(4, to_string(state));
  s.bind(5, now_iso8601()).bind(6, owner);
  s.execute();
  return db_.changes() == 1;
}

bool store::complete_idempotency(std::string_view app_id, std::string_view key,
                                 std::string_view owner, int status,
                                 std::string_view body) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE idempotency SET state = 'done', response_status = ?4, "
                   "response_body = ?5 WHERE app_id = ?1 AND idem_key = ?2 "
                   "AND owner = ?3 AND state != 'done'");
  s.bind(1, app_id).bind(2, key).bind(3, owner).bind(4, int64_t{status});
  s.bind_blob(5, seal(sealed_column::idempotency_response, {app_id, key}, body));
  s.execute();
  return db_.changes() == 1;
}

void store::release_idempotency(std::string_view app_id, std::string_view key,
                                std::string_view owner) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("DELETE FROM idempotency WHERE app_id = ?1 AND idem_key = ?2 "
                   "AND owner = ?3 AND state != 'done'");
  s.bind(1, app_id).bind(2, key).bind(3, owner);
  s.execute();
}

bool store::settle_stale_idempotency(std::string_view app_id, std::string_view key,
                                     std::string_view claimed_before, int status,
                                     std::string_view body) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& drop = cached("DELETE FROM idempotency WHERE app_id = ?1 AND idem_key = ?2 "
                      "AND state = 'pending' AND created_at < ?3");
  drop.bind(1, app_id).bind(2, key).bind(3, claimed_before);
  drop.execute();
  if (db_.changes() == 1)
    return true;
  auto& settle = cached("UPDATE idempotency SET state = 'done', response_status = ?4, "
                        "response_body = ?5 WHERE app_id = ?1 AND idem_key = ?2 "
                        "AND state NOT IN ('done', 'pending') AND created_at < ?3");
  settle.bind(1, app_id).bind(2, key).bind(3, claimed_before).bind(4, int64_t{status});
  settle.bind_blob(5, seal(sealed_column::idempotency_response, {app_id, key}, body));
  settle.execute();
  return db_.changes() == 1;
}

int64_t store::settle_foreign_idempotency(std::string_view owner, int status,
                                          std::string_view body) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  int64_t settled = 0;
  transaction([&] {
    auto& drop = cached("DELETE FROM idempotency WHERE state = 'pending' "
                        "AND (owner IS NULL OR owner != ?1)");
    drop.bind(1, owner);
    drop.execute();
    settled += db_.changes();
    // Each answer is sealed for its own row, so they are written one by one.
    std::vector<std::pair<std::string, std::string>> keys;
    auto& open_rows = cached("SELECT app_id, idem_key FROM idempotency WHERE "
                             "state NOT IN ('done', 'pending') "
                             "AND (owner IS NULL OR owner != ?1)");
    open_rows.bind(1, owner);
    while (open_rows.step())
      keys.emplace_back(open_rows.text(0), open_rows.text(1));
    open_rows.reset();
    auto& settle
        = cached("UPDATE idempotency SET state = 'done', response_status = ?3, "
                 "response_body = ?4 WHERE app_id = ?1 AND idem_key = ?2");
    for (const auto& [app_id, key] : keys) {
      settle.reset();
      settle.bind(1, app_id).bind(2, key).bind(3, int64_t{status});
      settle.bind_blob(4,
                       seal(sealed_column::idempotency_response, {app_id, key}, body));
      settle.execute();
      ++settled;
    }
  });
  return settled;
}

int64_t store::prune_idempotency(std::string_view before, int64_t limit) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  // Bounded batches keep the write lock short under load.
  auto& s = cached("DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM "
                   "idempotency WHERE state = 'done' AND created_at < ?1 LIMIT ?2)");
  s.bind(1, before).bind(2, limit);
  s.execute();
  return db_.changes();
}

} // namespace alter::backend
