// The store's rules, approvers and approver sessions.
#include "backend/store/store.hpp"
#include "backend/store/store_sealing.hpp"

namespace alter::backend {

namespace {

constexpr const char* rule_columns
    = "id, app_id, name, target_type, target_id, rule_type, rule_body_json, enabled, "
      "created_at";

rule_record read_rule(const statement& s) {
  rule_record r;
  r.id = s.text(0);
  r.app_id = s.text(1);
  r.name = s.text(2);
  r.target_type = s.text(3);
  r.target_id = s.text(4);
  r.rule_type = s.text(5);
  r.rule_body_json = s.text(6);
  r.enabled = s.integer(7) != 0;
  r.created_at = s.text(8);
  return r;
}

std::vector<rule_record> read_rules(statement& s) {
  std::vector<rule_record> out;
  while (s.step())
    out.push_back(read_rule(s));
  s.reset();
  return out;
}

} // namespace

void store::insert_rule(const rule_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO rules(id, app_id, name, target_type, target_id, "
                   "rule_type, rule_body_json, enabled, created_at) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.name).bind(4, x.target_type);
  s.bind(5, x.target_id).bind(6, x.rule_type).bind(7, x.rule_body_json);
  s.bind(8, int64_t{x.enabled ? 1 : 0}).bind(9, x.created_at);
  s.execute();
}

bool store::update_rule(const rule_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE rules SET name = ?3, rule_body_json = ?4, enabled = ?5 "
                   "WHERE app_id = ?1 AND id = ?2");
  s.bind(1, x.app_id).bind(2, x.id).bind(3, x.name).bind(4, x.rule_body_json);
  s.bind(5, int64_t{x.enabled ? 1 : 0});
  s.execute();
  return db_.changes() == 1;
}

bool store::delete_rule(std::string_view app_id, std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("DELETE FROM rules WHERE app_id = ?1 AND id = ?2");
  s.bind(1, app_id).bind(2, id);
  s.execute();
  return db_.changes() == 1;
}

std::optional<rule_record> store::find_rule(std::string_view app_id,
                                            std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql = std::string{"SELECT "} + rule_columns
                                 + " FROM rules WHERE app_id = ?1 AND id = ?2";
  auto& s = cached(sql.c_str());
  s.bind(1, app_id).bind(2, id);
  return s.first(read_rule);
}

std::vector<rule_record> store::list_rules(std::string_view app_id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{"SELECT "} + rule_columns
        + " FROM rules WHERE app_id = ?1 ORDER BY created_at, id";
  auto& s = cached(sql.c_str());
  s.bind(1, app_id);
  return read_rules(s);
}

std::vector<rule_record> store::rules_for(std::string_view app_id,
                                          std::string_view agent_id,
                                          std::string_view grant_id,
                                          std::string_view provider_id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{"SELECT "} + rule_columns
        + " FROM rules WHERE app_id = ?1 AND enabled = 1 AND ("
          "(target_type = 'app' AND target_id = ?1) OR "
          "(target_type = 'agent' AND target_id = ?2) OR "
          "(target_type = 'grant' AND target_id = ?3) OR "
          "(target_type = 'provider' AND target_id = ?4)) ORDER BY created_at, id";
  auto& s = cached(sql.c_str());
  s.bind(1, app_id).bind(2, agent_id).bind(3, grant_id).bind(4, provider_id);
  return read_rules(s);
}

void store::insert_approver(const approver_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO approvers(id, app_id, name, token_hash, created_at) "
                   "VALUES(?1, ?2, ?3, ?4, ?5)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.name).bind(4, x.token_hash);
  s.bind(5, x.created_at);
  s.execute();
}

std::optional<approver_record>
store::find_approver_by_token_hash(std::string_view hash) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT id, app_id, name, token_hash, created_at FROM approvers "
                   "WHERE token_hash = ?1");
  s.bind(1, hash);
  return s.first([](const statement& row) {
    return approver_record{row.text(0), row.text(1), row.text(2), row.text(3),
                           row.text(4)};
  });
}

void store::insert_approver_session(std::string_view session_hash,
                                    std::string_view approver_id, std::string_view csrf,
                                    std::string_view expires_at) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO approver_sessions(session_hash, approver_id, "
                   "csrf_token, expires_at) VALUES(?1, ?2, ?3, ?4)");
  s.bind(1, session_hash).bind(2, approver_id);
  s.bind_blob(3, seal(sealed_column::approver_csrf, {session_hash}, csrf));
  s.bind(4, expires_at);
  s.execute();
}

std::optional<approver_session>
store::find_approver_session(std::string_view session_hash, std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT a.id, a.app_id, a.name, s.csrf_token, s.expires_at "
                   "FROM approver_sessions s JOIN approvers a ON a.id = s.approver_id "
                   "WHERE s.session_hash = ?1 AND s.expires_at > ?2");
  s.bind(1, session_hash).bind(2, now);
  auto out = s.first([](const statement& row) {
    return approver_session{row.text(0), row.text(1), row.text(2), row.blob(3),
                            row.text(4)};
  });
  if (out)
    out->csrf_token
        = open(sealed_column::approver_csrf, {session_hash}, out->csrf_token);
  return out;
}

bool store::delete_approver_session(std::string_view session_hash) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("DELETE FROM approver_sessions WHERE session_hash = ?1");
  s.bind(1, session_hash);
  s.execute();
  return db_.changes() == 1;
}

} // namespace alter::backend
