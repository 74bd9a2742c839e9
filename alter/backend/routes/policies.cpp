// Rules through the API: an app key with policies:write adds, changes and
// removes rules of its own app; policies:read lists them.
#include "alter/backend/routes/routes.hpp"

#include <boost/json.hpp>

#include "alter/auth/scope_table.hpp"
#include "alter/backend/policy/rule_book.hpp"
#include "alter/backend/policy/rule_validation.hpp"

namespace json = boost::json;

namespace alter::backend {

namespace {

json::object rule_json(const rule_record& r) {
  boost::system::error_code ec;
  auto body = json::parse(r.rule_body_json, ec);
  return {{"id", r.id},
          {"name", r.name},
          {"target", {{"type", r.target_type}, {"id", r.target_id}}},
          {"rule_type", r.rule_type},
          {"rule_body", ec ? json::value(json::object{}) : body},
          {"enabled", r.enabled},
          {"created_at", r.created_at}};
}

std::optional<json::object> body_object(const api_call& call) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto v = json::parse(call.request.body, ec, json::storage_ptr(), opts);
  if (ec || !v.is_object())
    return std::nullopt;
  return v.get_object();
}

std::string string_at(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string{v->get_string()} : std::string{};
}

void list(backend_context& ctx, const api_call_ptr& call) {
  json::array rules;
  for (const auto& r : ctx.db.rules().list(call->identity.app_id()))
    rules.push_back(rule_json(r));
  call->reply(200, json::serialize(json::object{{"rules", std::move(rules)}}));
}

void create(backend_context& ctx, const api_call_ptr& call) {
  auto body = body_object(*call);
  if (!body)
    return call->fail(
        make_error(error_code::malformed_json, "body must be a JSON object"));
  rule_record r;
  r.id = new_rule_id();
  r.app_id = call->identity.app_id();
  r.name = string_at(*body, "name");
  r.rule_type = string_at(*body, "rule_type");
  if (const auto* target = body->if_contains("target"); target && target->is_object()) {
    r.target_type = string_at(target->get_object(), "type");
    r.target_id = string_at(target->get_object(), "id");
  }
  const auto* rule_body = body->if_contains("rule_body");
  r.rule_body_json = rule_body ? json::serialize(*rule_body) : std::string{"{}"};
  if (const auto* enabled = body->if_contains("enabled")) {
    if (!enabled->is_bool())
      return call->fail(
          make_error(error_code::invalid_request, "enabled must be a bool"));
    r.enabled = enabled->get_bool();
  }
  auto parsed = check_rule(ctx.db, r);
  if (!parsed)
    return call->fail(from_caf_error(parsed.error()));
  r.created_at = now_iso8601();
  ctx.db.rules().insert(r);
  ctx.rules->remember(r, std::move(*parsed));
  call->reply(201, json::serialize(rule_json(r)));
}

void update(backend_context& ctx, const api_call_ptr& call) {
  auto found = ctx.db.rules().find(call->identity.app_id(), call->params.at("id"));
  if (!found)
    return call->fail(make_error(error_code::not_found, "no such rule"));
  auto body = body_object(*call);
  if (!body)
    return call->fail(
        make_error(error_code::malformed_json, "body must be a JSON object"));
  auto r = *found;
  if (body->contains("name"))
    r.name = string_at(*body, "name");
  if (const auto* rule_body = body->if_contains("rule_body"))
    r.rule_body_json = json::serialize(*rule_body);
  if (const auto* enabled = body->if_contains("enabled")) {
    if (!enabled->is_bool())
      return call->fail(
          make_error(error_code::invalid_request, "enabled must be a bool"));
    r.enabled = enabled->get_bool();
  }
  if (body->contains("target") || body->contains("rule_type"))
    return call->fail(
        make_error(error_code::invalid_request,
                   "a rule's target and type cannot change: add a new rule"));
  auto parsed = check_rule(ctx.db, r);
  if (!parsed)
    return call->fail(from_caf_error(parsed.error()));
  ctx.db.rules().update(r);
  ctx.rules->remember(r, std::move(*parsed));
  call->reply(200, json::serialize(rule_json(r)));
}

void remove(backend_context& ctx, const api_call_ptr& call) {
  if (!ctx.db.rules().remove(call->identity.app_id(), call->params.at("id")))
    return call->fail(make_error(error_code::not_found, "no such rule"));
  call->reply(200, R"({"deleted":true})");
}

} // namespace

void add_policy_routes(router& routes, backend_context& ctx) {
  auto bind = [&ctx](void (*fn)(backend_context&, const api_call_ptr&)) {
    return [&ctx, fn](const api_call_ptr& call) { fn(ctx, call); };
  };
  using namespace scopes;
  routes.add({
      route{"GET", "/v1/rules", policies_read, bind(list)},
      route{"POST", "/v1/rules", policies_write, bind(create)},
      route{"PATCH", "/v1/rules/{id}", policies_write, bind(update)},
      route{"DELETE", "/v1/rules/{id}", policies_write, bind(remove)},
  });
}

} // namespace alter::backend
