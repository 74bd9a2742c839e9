#include "alter/backend/policy/rule_validation.hpp"

#include "alter/auth/crypto.hpp"
#include "alter/backend/policy/rule_parser.hpp"

namespace alter::backend {

namespace {

caf::error invalid(std::string message) {
  return to_caf_error(error_code::invalid_request, std::move(message));
}

caf::error not_found(std::string message) {
  return to_caf_error(error_code::not_found, std::move(message));
}

} // namespace

std::string new_rule_id() {
  return "rule_" + crypto::random_hex(16);
}

caf::expected<parsed_rule> check_rule(store& db, const rule_record& r) {
  if (r.name.empty() || r.name.size() > 200)
    return invalid("a rule needs a name of 1 to 200 characters");
  const auto& t = r.target_type;
  if (t == "app") {
    if (r.target_id != r.app_id)
      return invalid("an app rule must target the caller's own app");
  } else if (t == "agent") {
    auto a = db.accounts().find_agent(r.target_id);
    if (!a || a->app_id != r.app_id)
      return not_found("no agent " + r.target_id + " in this app");
  } else if (t == "grant") {
    auto g = db.grants().find(r.target_id);
    if (!g || g->app_id != r.app_id)
      return not_found("no grant " + r.target_id + " in this app");
  } else if (t == "provider") {
    if (!db.grants().find_provider(r.target_id))
      return not_found("no provider " + r.target_id);
  } else {
    return invalid("target.type must be app, agent, grant or provider");
  }
  auto parsed = parse_rule(r.rule_type, r.rule_body_json);
  if (!parsed)
    return invalid(parsed.problem().to_string());
  return *parsed;
}

} // namespace alter::backend
