#include "alter/auth/rule_conditions.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alter/messages/http_method.hpp"

namespace json = boost::json;

namespace alter {

bool operator==(const rule_condition& a, const rule_condition& b) noexcept {
  return a.attribute == b.attribute && a.values == b.values;
}

const std::vector<std::string_view>& rule_attributes() {
  static const std::vector<std::string_view> names{
      "method",     "provider_id", "app_id",    "agent_id",
      "api_key_id", "environment", "client_ip", "resource_kind"};
  return names;
}

bool is_rule_attribute(std::string_view name) {
  const auto& known = rule_attributes();
  return std::find(known.begin(), known.end(), name) != known.end();
}

std::optional<rule_problem> parse_conditions(const json::value& when,
                                             std::string_view where,
                                             std::vector<rule_condition>& out) {
  if (!when.is_object())
    return rule_problem{std::string{where},
                        "must be an object of attributes to values"};
  for (const auto& [key, value] : when.get_object()) {
    if (!is_rule_attribute(key))
      return rule_problem{std::string{where},
                          "unknown attribute " + quoted(key)
                              + " (known: method, provider_id, app_id, agent_id, "
                                "api_key_id, environment, client_ip, resource_kind)"};
    auto field = std::string{where} + "." + std::string{key};
    rule_condition c;
    c.attribute = std::string{key};
    // A method is stored by its canonical name, so "post" matches a POST; a
    // value that names no method could never match and is refused.
    auto add = [&](std::string_view text,
                   const std::string& at) -> std::optional<rule_problem> {
      if (c.attribute != "method") {
        c.values.emplace_back(text);
        return std::nullopt;
      }
      auto method = http_method::parse(text);
      if (!method)
        return rule_problem{at, "must be an HTTP method ("
                                    + std::string{http_method_names()} + "), got "
                                    + quoted(text)};
      c.values.emplace_back(method->name());
      return std::nullopt;
    };
    if (value.is_string()) {
      if (auto problem = add(value.get_string(), field))
        return problem;
    } else if (value.is_array() && !value.get_array().empty()) {
      const auto& list = value.get_array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        auto at = field + "[" + std::to_string(i) + "]";
        if (!list[i].is_string())
          return rule_problem{at, "must be a string"};
        if (auto problem = add(list[i].get_string(), at))
          return problem;
      }
    } else {
      return rule_problem{field, "must be a string or a non-empty list of strings"};
    }
    out.push_back(std::move(c));
  }
  return std::nullopt;
}

bool rule_matches(const std::vector<rule_condition>& when,
                  const call_attributes& call) {
  for (const auto& cond : when) {
    auto fact = std::find_if(call.begin(), call.end(), [&](const auto& kv) {
      return kv.first == cond.attribute;
    });
    if (fact == call.end())
      continue; // the call has no such attribute: satisfied (decisions.md section 8)
    if (std::find(cond.values.begin(), cond.values.end(), fact->second)
        == cond.values.end())
      return false;
  }
  return true;
}

} // namespace alter
