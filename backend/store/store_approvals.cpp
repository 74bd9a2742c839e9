// The store's approvals: one row per held call, moved through its states by
// conditional updates so that concurrent deciders and expiry cannot both win.
#include "backend/store/store.hpp"
#include "backend/store/store_sealing.hpp"

namespace alter::backend {

namespace {

approval_record read_approval(const statement& s) {
  approval_record x;
  x.id = s.text(0);
  x.app_id = s.text(1);
  x.agent_id = s.text(2);
  x.api_key_id = s.text(3);
  x.grant_id = s.text(4);
  x.provider_id = s.text(5);
  x.rule_id = s.text(6);
  x.request_json = s.text(7);
  x.method = s.text(8);
  x.url = s.text(9);
  x.reason = s.text(10);
  x.caller = s.text(11);
  x.caller_type = s.text(12);
  x.run_id = s.text(13);
  x.thread_id = s.text(14);
  x.tool_call_id = s.text(15);
  x.idempotency_key = s.text(16);
  x.status = s.text(17);
  x.created_at = s.text(18);
  x.expires_at = s.text(19);
  x.decided_at = s.text(20);
  x.decided_by = s.text(21);
  x.decision_reason = s.text(22);
  x.executed_at = s.text(23);
  x.result_status = s.integer(24);
  x.result_json = s.blob(25);
  return x;
}

} // namespace

void store::insert_approval(const approval_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(
      "INSERT INTO approvals(id, app_id, agent_id, api_key_id, grant_id, provider_id, "
      "rule_id, request_json, method, url, reason, caller, caller_type, run_id, "
      "thread_id, tool_call_id, idempotency_key, status, created_at, expires_at) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
      "?17, ?18, ?19, ?20)");
  s.bind(1, x.id).bind(2, x.app_id).bind_or_null(3, x.agent_id);
  s.bind_or_null(4, x.api_key_id).bind(5, x.grant_id).bind(6, x.provider_id);
  s.bind_or_null(7, x.rule_id)
      .bind(8, x.request_json)
      .bind(9, x.method)
      .bind(10, x.url);
  s.bind(11, x.reason).bind_or_null(12, x.caller).bind_or_null(13, x.caller_type);
  s.bind_or_null(14, x.run_id).bind_or_null(15, x.thread_id);
  s.bind_or_null(16, x.tool_call_id).bind_or_null(17, x.idempotency_key);
  s.bind(18, x.status).bind(19, x.created_at).bind(20, x.expires_at);
  s.execute();
}

std::optional<approval_record> store::find_approval(std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(
      "SELECT id, app_id, agent_id, api_key_id, grant_id, provider_id, rule_id, "
      "request_json, method, url, reason, caller, caller_type, run_id, thread_id, "
      "tool_call_id, idempotency_key, status, created_at, expires_at, decided_at, "
      "decided_by, decision_reason, executed_at, result_status, result_json "
      "FROM approvals WHERE id = ?1");
  s.bind(1, id);
  auto out = s.first(read_approval);
  if (out)
    out->result_json
        = open(sealed_column::approval_result, {out->id}, out->result_json);
  return out;
}

bool store::decide_approval(std::string_view id, std::string_view decision,
                            std::string_view decided_by, std::string_view reason,
                            std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE approvals SET status = ?2, decided_by = ?3, "
                   "decision_reason = ?4, decided_at = ?5 "
                   "WHERE id = ?1 AND status = 'pending' AND expires_at > ?5");
  s.bind(1, id).bind(2, decision).bind(3, decided_by).bind(4, reason).bind(5, now);
  s.execute();
  return db_.changes() == 1;
}

bool store::expire_approval(std::string_view id, std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE approvals SET status = 'expired', decided_at = ?2 "
                   "WHERE id = ?1 AND status = 'pending' AND expires_at <= ?2");
  s.bind(1, id).bind(2, now);
  s.execute();
  return db_.changes() == 1;
}

bool store::start_approval_execution(std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE approvals SET status = 'executing' "
                   "WHERE id = ?1 AND status = 'approved'");
  s.bind(1, id);
  s.execute();
  return db_.changes() == 1;
}

int64_t store::fail_interrupted_approvals(std::string_view result_json,
                                          std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  // Row by row: each result is sealed for its own row.
  auto& select
      = cached("SELECT id FROM approvals WHERE status IN ('approved', 'executing')");
  std::vector<std::string> ids;
  while (select.step())
    ids.push_back(select.text(0));
  select.reset();
  int64_t failed = 0;
  transaction([&] {
    auto& s = cached("UPDATE approvals SET status = 'failed', result_status = 500, "
                     "result_json = ?2, executed_at = ?3 "
                     "WHERE id = ?1 AND status IN ('approved', 'executing')");
    for (const auto& id : ids) {
      s.bind(1, id)
          .bind_blob(2, seal(sealed_column::approval_result, {id}, result_json))
          .bind(3, now);
      s.execute();
      failed += db_.changes();
    }
  });
  return failed;
}

void store::finish_approval(std::string_view id, std::string_view status,
                            int64_t result_status, std::string_view result_json,
                            std::string_view executed_at) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE approvals SET status = ?2, result_status = ?3, "
                   "result_json = ?4, executed_at = ?5 "
                   "WHERE id = ?1 AND status = 'executing'");
  s.bind(1, id).bind(2, status).bind(3, result_status);
  s.bind_blob(4, seal(sealed_column::approval_result, {id}, result_json));
  s.bind(5, executed_at);
  s.execute();
}

} // namespace alter::backend
