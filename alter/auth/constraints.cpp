#include "alter/auth/constraints.hpp"

#include <boost/json.hpp>

#include "alter/auth/rule_problem.hpp"
#include "alter/auth/scope.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/http_method.hpp"

namespace json = boost::json;

namespace alter {

namespace {

// Bounds keep a hostile header from costing more than a small, fixed amount.
constexpr std::size_t max_header_chars = std::size_t{8} * 1024;
constexpr std::size_t max_scopes = 64;
constexpr std::size_t max_conditions = 16;
constexpr std::size_t max_values = 64;
constexpr std::size_t max_value_chars = 256;

caf::error invalid(error_code code, std::string why) {
  return to_caf_error(code, "constraints: " + std::move(why));
}

caf::expected<void> check(const constraints& c, error_code code) {
  if (c.scopes.empty() && !c.rule)
    return invalid(code, "give scopes, a rule, or both");
  if (c.scopes.size() > max_scopes)
    return invalid(code, "at most " + std::to_string(max_scopes) + " scopes");
  for (const auto& s : c.scopes)
    if (!parse_scope(s))
      return invalid(code, "'" + s.substr(0, max_value_chars) + "' is not a scope");
  if (!c.rule)
    return caf::unit;
  const auto& r = *c.rule;
  rule_type type{};
  if (!from_string(r.type, type)
      || (type != rule_type::json_match && type != rule_type::require_approval))
    return invalid(code, "rule type must be json_match or require_approval");
  // A deny rule without conditions would refuse everything: a mistake. A
  // require_approval rule without them holds every credential call, as documented.
  if (r.when.empty() && type == rule_type::json_match)
    return invalid(code, "a json_match rule needs at least one condition in 'when'");
  if (type == rule_type::json_match && !r.approval.is_default())
    return invalid(code, "'approval' belongs to require_approval rules only");
  if (r.approval.approvers.size() > max_approvers)
    return invalid(code, "at most " + std::to_string(max_approvers) + " approvers");
  for (const auto& name : r.approval.approvers)
    if (!is_approver_name(name))
      return invalid(code, "approver names must be 1 to "
                               + std::to_string(max_approver_name_chars)
                               + " characters without control characters");
  if (r.when.size() > max_conditions)
    return invalid(code, "at most " + std::to_string(max_conditions) + " conditions");
  for (const auto& cond : r.when) {
    if (!is_rule_attribute(cond.attribute))
      return invalid(code, "unknown rule attribute '"
                               + cond.attribute.substr(0, max_value_chars) + "'");
    if (cond.values.empty() || cond.values.size() > max_values)
      return invalid(code, "'" + cond.attribute + "' needs 1 to "
                               + std::to_string(max_values) + " values");
    for (const auto& v : cond.values) {
      if (v.empty() || v.size() > max_value_chars)
        return invalid(code, "'" + cond.attribute + "' values must be 1 to "
                                 + std::to_string(max_value_chars) + " characters");
      // A value that names no method could never match: refused, not ignored.
      if (cond.attribute == "method" && !http_method::parse(v))
        return invalid(code, "'method' values must be HTTP methods ("
                                 + std::string{http_method_names()} + "), got "
                                 + quoted(v));
    }
  }
  return caf::unit;
}

caf::expected<std::vector<std::string>> strings_of(const json::value& v,
                                                   std::string_view what) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.emplace_back(v.get_string());
    return out;
  }
  if (!v.is_array())
    return invalid(error_code::invalid_constraints,
                   std::string{what} + " must be a string or a list of strings");
  for (const auto& item : v.get_array()) {
    if (!item.is_string())
      return invalid(error_code::invalid_constraints,
                     std::string{what} + " must hold strings only");
    out.emplace_back(item.get_string());
  }
  return out;
}

caf::expected<constraint_rule> rule_of(const json::value& v) {
  if (!v.is_object())
    return invalid(error_code::invalid_constraints, "'rule' must be an object");
  constraint_rule r;
  for (const auto& [key, value] : v.get_object()) {
    if (key == "type") {
      if (!value.is_string())
        return invalid(error_code::invalid_constraints, "'rule.type' must be a string");
      r.type = value.get_string();
    } else if (key == "when") {
      if (auto problem = parse_conditions(value, "rule.when", r.when))
        return invalid(error_code::invalid_constraints, problem->to_string());
    } else if (key == "approval") {
      if (auto problem = parse_approval_routing(value, "rule.approval", r.approval))
        return invalid(error_code::invalid_constraints, problem->to_string());
    } else if (key == "effect") {
      // json_match rules only ever deny; accept the explicit spelling of that.
      if (!value.is_string() || value.get_string() != "deny")
        return invalid(error_code::invalid_constraints,
                       "'rule.effect' can only be deny");
    } else {
      return invalid(error_code::invalid_constraints,
                     "unknown rule field '" + std::string{key}.substr(0, 64) + "'");
    }
  }
  return r;
}

caf::error bad_rule(std::string why) {
  return invalid(error_code::invalid_argument, "rule: " + std::move(why));
}

} // namespace

caf::expected<constraint_rule> parse_constraint_rule(std::string_view text) {
  if (text.size() > max_header_chars)
    return bad_rule("longer than " + std::to_string(max_header_chars) + " characters");
  json::parse_options opts;
  opts.max_depth = 8;
  boost::system::error_code ec;
  auto root = json::parse(text, ec, json::storage_ptr(), opts);
  if (ec || !root.is_object())
    return bad_rule("must be a JSON object {\"rule_type\": ..., \"rule_body\": {...}}");
  constraint_rule r;
  const json::object* body = nullptr;
  for (const auto& [key, value] : root.get_object()) {
    if (key == "rule_type" && value.is_string())
      r.type = value.get_string();
    else if (key == "rule_body" && value.is_object())
      body = &value.get_object();
    else if (key == "rule_type" || key == "rule_body")
      return bad_rule("'" + std::string{key} + "' must be "
                      + (key == "rule_type" ? "a string" : "an object"));
    else
      return bad_rule("unknown field " + quoted(key)
                      + " (known: rule_type, rule_body)");
  }
  rule_type type{};
  if (!from_string(r.type, type)
      || (type != rule_type::json_match && type != rule_type::require_approval))
    return bad_rule("rule_type must be json_match or require_approval");
  if (body == nullptr)
    return bad_rule("rule_body is required");
  const std::string_view effect
      = type == rule_type::json_match ? "deny" : "require_approval";
  for (const auto& [key, value] : *body) {
    if (key == "when") {
      if (auto problem = parse_conditions(value, "rule_body.when", r.when))
        return bad_rule(problem->to_string());
    } else if (key == "approval" && type == rule_type::require_approval) {
      if (auto problem
          = parse_approval_routing(value, "rule_body.approval", r.approval))
        return bad_rule(problem->to_string());
    } else if (key == "effect") {
      if (!value.is_string() || value.get_string() != effect)
        return bad_rule("rule_body.effect of a " + r.type + " rule can only be "
                        + std::string{effect});
    } else {
      return bad_rule("unknown field " + quoted(key) + " in rule_body (known: "
                      + (type == rule_type::require_approval ? "when, effect, approval"
                                                             : "when, effect")
                      + ")");
    }
  }
  if (auto ok = validate(constraints{{}, r}); !ok)
    return ok.error();
  return r;
}

bool operator==(const constraint_rule& a, const constraint_rule& b) noexcept {
  return a.type == b.type && a.when == b.when && a.approval == b.approval;
}

bool operator==(const constraints& a, const constraints& b) noexcept {
  return a.scopes == b.scopes && a.rule == b.rule;
}

caf::expected<void> validate(const constraints& c) {
  return check(c, error_code::invalid_argument);
}

std::string encode_constraints_header(const constraints& c) {
  json::object root;
  if (!c.scopes.empty()) {
    json::array scopes;
    for (const auto& s : c.scopes)
      scopes.emplace_back(s);
    root["scopes"] = std::move(scopes);
  }
  if (c.rule) {
    json::object when;
    for (const auto& cond : c.rule->when) {
      if (cond.values.size() == 1) {
        when[cond.attribute] = cond.values.front();
        continue;
      }
      json::array values;
      for (const auto& v : cond.values)
        values.emplace_back(v);
      when[cond.attribute] = std::move(values);
    }
    json::object rule{{"type", c.rule->type}, {"when", std::move(when)}};
    if (!c.rule->approval.is_default())
      rule["approval"] = to_json_object(c.rule->approval);
    root["rule"] = std::move(rule);
  }
  return base64url_encode(json::serialize(root));
}

caf::expected<constraints> decode_constraints_header(std::string_view text) {
  if (text.size() > max_header_chars)
    return invalid(error_code::invalid_constraints,
                   "header longer than " + std::to_string(max_header_chars)
                       + " characters");
  auto raw = base64url_decode(text);
  if (!raw)
    return invalid(error_code::invalid_constraints, "header is not base64url");
  json::parse_options opts;
  opts.max_depth = 8;
  boost::system::error_code ec;
  auto root = json::parse(*raw, ec, json::storage_ptr(), opts);
  if (ec || !root.is_object())
    return invalid(error_code::invalid_constraints, "header is not a JSON object");
  constraints c;
  for (const auto& [key, value] : root.get_object()) {
    if (key == "scopes") {
      auto scopes = strings_of(value, "'scopes'");
      if (!scopes)
        return scopes.error();
      c.scopes = std::move(*scopes);
    } else if (key == "rule") {
      auto r = rule_of(value);
      if (!r)
        return r.error();
      c.rule = std::move(*r);
    } else {
      return invalid(error_code::invalid_constraints,
                     "unknown field '" + std::string{key}.substr(0, 64) + "'");
    }
  }
  if (auto ok = check(c, error_code::invalid_constraints); !ok)
    return ok.error();
  return c;
}

rule_type type_of(const constraint_rule& r) {
  rule_type type{};
  // Anything but a well-formed require_approval denies (fail closed).
  return from_string(r.type, type) && type == rule_type::require_approval
             ? rule_type::require_approval
             : rule_type::json_match;
}

} // namespace alter
