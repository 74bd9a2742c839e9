// The PostgreSQL store's policy rules.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

constexpr const char* rule_columns
    = "id, app_id, name, target_type, target_id, rule_type, rule_body_json, enabled, "
      "created_at";

rule_record read_rule(const pg_row& s) {
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

std::vector<rule_record> read_rules(pg_query& s) {
  return s.all(read_rule);
}

} // namespace

void pg_rules::insert(const rule_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query("INSERT INTO rules(id, app_id, name, target_type, target_id, "
                       "rule_type, rule_body_json, enabled, created_at) "
                       "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.name).bind(4, x.target_type);
  s.bind(5, x.target_id).bind(6, x.rule_type).bind(7, x.rule_body_json);
  s.bind(8, int64_t{x.enabled ? 1 : 0}).bind(9, x.created_at);
  s.run();
}

bool pg_rules::update(const rule_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE rules SET name = $3, rule_body_json = $4, enabled = $5 "
                       "WHERE app_id = $1 AND id = $2");
  s.bind(1, x.app_id).bind(2, x.id).bind(3, x.name).bind(4, x.rule_body_json);
  s.bind(5, int64_t{x.enabled ? 1 : 0});
  return s.run().affected() == 1;
}

bool pg_rules::remove(std::string_view app_id, std::string_view id) {
  pg_lease lease{scope_};
  auto s = lease.query("DELETE FROM rules WHERE app_id = $1 AND id = $2");
  s.bind(1, app_id).bind(2, id);
  return s.run().affected() == 1;
}

std::optional<rule_record> pg_rules::find(std::string_view app_id,
                                          std::string_view id) {
  pg_lease lease{scope_};
  static const std::string sql = std::string{"SELECT "} + rule_columns
                                 + " FROM rules WHERE app_id = $1 AND id = $2";
  auto s = lease.query(sql.c_str());
  s.bind(1, app_id).bind(2, id);
  return s.first(read_rule);
}

std::vector<rule_record> pg_rules::list(std::string_view app_id) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + rule_columns
        + " FROM rules WHERE app_id = $1 ORDER BY created_at, id";
  auto s = lease.query(sql.c_str());
  s.bind(1, app_id);
  return read_rules(s);
}

std::vector<rule_record> pg_rules::for_call(std::string_view app_id,
                                            std::string_view agent_id,
                                            std::string_view grant_id,
                                            std::string_view provider_id) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + rule_columns
        + " FROM rules WHERE app_id = $1 AND enabled = 1 AND ("
          "(target_type = 'app' AND target_id = $1) OR "
          "(target_type = 'agent' AND target_id = $2) OR "
          "(target_type = 'grant' AND target_id = $3) OR "
          "(target_type = 'provider' AND target_id = $4)) ORDER BY created_at, id";
  auto s = lease.query(sql.c_str());
  s.bind(1, app_id).bind(2, agent_id).bind(3, grant_id).bind(4, provider_id);
  return read_rules(s);
}

} // namespace alter::backend
