#include "backend/policy/policy_engine.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

namespace json = boost::json;

namespace alter::backend {

namespace {

/// The outcome of one rule: nothing, a denial with its reason, or a hold.
struct verdict {
  policy_effect effect = policy_effect::allow;
  std::string policy_error;
  std::string message;
  error_code code = error_code::policy_denied;
  int64_t retry_after_ms = 0;
};

verdict deny(std::string policy_error, std::string message,
             error_code code = error_code::policy_denied) {
  return {policy_effect::deny, std::move(policy_error), std::move(message), code, 0};
}

verdict unevaluable(const rule_record& r, const std::string& why) {
  return deny("rule_unevaluable",
              "rule '" + r.name + "' cannot be evaluated (" + why + "); denied");
}

std::optional<json::object> parse_body(const std::string& text) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto v = json::parse(text, ec, json::storage_ptr(), opts);
  if (ec || !v.is_object())
    return std::nullopt;
  return v.get_object();
}

/// {"when": {attribute: value | [values]}} as a constraint_rule; nullopt when
/// malformed. An absent or empty "when" matches every call.
std::optional<constraint_rule> when_of(const json::object& body, std::string type) {
  constraint_rule r;
  r.type = std::move(type);
  const auto* when = body.if_contains("when");
  if (when == nullptr)
    return r;
  if (!when->is_object())
    return std::nullopt;
  const auto& known = rule_attributes();
  for (const auto& [key, value] : when->get_object()) {
    if (std::find(known.begin(), known.end(), std::string_view{key}) == known.end())
      return std::nullopt;
    rule_condition c;
    c.attribute = std::string{key};
    if (value.is_string()) {
      c.values.emplace_back(value.get_string());
    } else if (value.is_array() && !value.get_array().empty()) {
      for (const auto& v : value.get_array()) {
        if (!v.is_string())
          return std::nullopt;
        c.values.emplace_back(v.get_string());
      }
    } else {
      return std::nullopt;
    }
    r.when.push_back(std::move(c));
  }
  return r;
}

const std::string* fact(const policy_facts& facts, std::string_view name) {
  for (const auto& [k, v] : facts.attributes)
    if (k == name)
      return &v;
  return nullptr;
}

/// True when `ip` lies in `cidr` ("10.0.0.0/8", "::1/128", or a bare address).
std::optional<bool> in_cidr(const std::string& ip, std::string_view cidr) {
  auto slash = cidr.find('/');
  boost::system::error_code ec;
  auto net = boost::asio::ip::make_address(std::string{cidr.substr(0, slash)}, ec);
  if (ec)
    return std::nullopt;
  std::size_t bits = net.is_v4() ? 32 : 128;
  std::size_t prefix = bits;
  // The prefix is checked before the address, so that a malformed network is
  // reported whatever address is tested (rules are validated with none).
  if (slash != std::string_view::npos) {
    auto text = cidr.substr(slash + 1);
    if (text.empty() || text.size() > 3)
      return std::nullopt;
    prefix = 0;
    for (char c : text) {
      if (c < '0' || c > '9')
        return std::nullopt;
      prefix = prefix * 10 + static_cast<std::size_t>(c - '0');
    }
    if (prefix > bits)
      return std::nullopt;
  }
  auto addr = boost::asio::ip::make_address(ip, ec);
  if (ec)
    return false;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
  if (net.is_v4() != addr.is_v4())
    return false;
  std::array<unsigned char, 16> a{};
  std::array<unsigned char, 16> n{};
  if (net.is_v4()) {
    auto x = net.to_v4().to_bytes();
    auto y = addr.to_v4().to_bytes();
    std::copy(x.begin(), x.end(), n.begin());
    std::copy(y.begin(), y.end(), a.begin());
  } else {
    n = net.to_v6().to_bytes();
    a = addr.to_v6().to_bytes();
  }
  for (std::size_t i = 0; i < prefix; ++i) {
    auto mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((a[i / 8] & mask) != (n[i / 8] & mask))
      return false;
  }
  return true;
}

verdict check_ip_allowlist(const rule_record& r, const json::object& body,
                           const policy_facts& facts) {
  const auto* cidrs = body.if_contains("cidrs");
  if (cidrs == nullptr || !cidrs->is_array() || cidrs->get_array().empty())
    return unevaluable(r, "'cidrs' must be a non-empty list");
  const auto* ip = fact(facts, "client_ip");
  for (const auto& c : cidrs->get_array()) {
    if (!c.is_string())
      return unevaluable(r, "'cidrs' must hold strings");
    auto inside = in_cidr(ip ? *ip : std::string{}, c.get_string());
    if (!inside)
      return unevaluable(r, "'" + std::string{c.get_string()} + "' is not a CIDR");
    if (*inside)
      return {};
  }
  return deny("ip_not_allowed", "rule '" + r.name + "': the client address "
                                    + (ip ? *ip : std::string{"(unknown)"})
                                    + " is not allowed");
}

/// "HH:MM" as minutes after midnight.
std::optional<int> minutes_of(const json::value* v) {
  if (v == nullptr || !v->is_string())
    return std::nullopt;
  std::string_view t = v->get_string();
  if (t.size() != 5 || t[2] != ':')
    return std::nullopt;
  auto digit = [&](int i) { return t[i] >= '0' && t[i] <= '9' ? t[i] - '0' : -100; };
  int h = digit(0) * 10 + digit(1);
  int m = digit(3) * 10 + digit(4);
  if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
    return std::nullopt;
  return h * 60 + m;
}

verdict check_time_window(const rule_record& r, const json::object& body,
                          const policy_facts& facts) {
  auto start = minutes_of(body.if_contains("start"));
  auto end = minutes_of(body.if_contains("end"));
  if (!start || !end)
    return unevaluable(r, "'start' and 'end' must be HH:MM");
  int64_t offset = 0;
  if (const auto* o = body.if_contains("utc_offset_minutes")) {
    constexpr int64_t max_offset = 840; // UTC-14:00 to UTC+14:00, in minutes
    if (!o->is_int64() || o->get_int64() < -max_offset || o->get_int64() > max_offset)
      return unevaluable(r, "'utc_offset_minutes' must be within +-840");
    offset = o->get_int64();
  }
  auto local = facts.now + offset * 60;
  auto day = ((local / 86400) + 4) % 7; // 1970-01-01 was a Thursday (4)
  if (day < 0)
    day += 7;
  auto minute = static_cast<int>(((local % 86400) + 86400) % 86400 / 60);
  static constexpr std::array<std::string_view, 7> names
      = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  if (const auto* days = body.if_contains("days")) {
    if (!days->is_array())
      return unevaluable(r, "'days' must be a list such as [\"mon\", \"tue\"]");
    bool listed = false;
    for (const auto& d : days->get_array()) {
      if (!d.is_string()
          || std::find(names.begin(), names.end(), std::string_view{d.get_string()})
                 == names.end())
        return unevaluable(r, "'days' holds an unknown day");
      listed = listed || d.get_string() == names[static_cast<std::size_t>(day)];
    }
    if (!listed)
      return deny("outside_time_window",
                  "rule '" + r.name + "': not allowed on this day");
  }
  bool inside = *start <= *end ? (minute >= *start && minute < *end)
                               : (minute >= *start || minute < *end); // over midnight
  if (!inside)
    return deny("outside_time_window",
                "rule '" + r.name + "': not allowed at this time of day");
  return {};
}

/// Checks a rate limit (the caller holds the counters' lock) and adds the key
/// to count to `to_record`: calls are counted only once every rule passed.
verdict check_rate_limit(const rule_record& r, const json::object& body,
                         const policy_facts& facts, rate_counters& counters,
                         std::vector<std::string>* to_record) {
  const auto* max = body.if_contains("max_calls");
  const auto* per = body.if_contains("per_seconds");
  if (max == nullptr || !max->is_int64() || max->get_int64() < 1 || per == nullptr
      || !per->is_int64() || per->get_int64() < 1 || per->get_int64() > 86400)
    return unevaluable(r,
                       "'max_calls' >= 1 and 'per_seconds' in 1..86400 are required");
  std::string subject = "agent";
  if (const auto* s = body.if_contains("per")) {
    if (!s->is_string()
        || (s->get_string() != "agent" && s->get_string() != "key"
            && s->get_string() != "app"))
      return unevaluable(r, "'per' must be agent, key or app");
    subject = std::string{s->get_string()};
  }
  const auto* who = fact(facts, subject == "key"   ? "api_key_id"
                                : subject == "app" ? "app_id"
                                                   : "agent_id");
  if (who == nullptr) // an app key without an agent: count it per key
    who = fact(facts, "api_key_id");
  std::chrono::milliseconds retry_after{0};
  auto key = r.id + "/" + (who ? *who : std::string{});
  if (counters.would_admit(key, max->get_int64(),
                           std::chrono::seconds{per->get_int64()},
                           std::chrono::steady_clock::now(), retry_after)) {
    if (to_record != nullptr)
      to_record->push_back(std::move(key));
    return {};
  }
  auto v = deny("rate_limited",
                "rule '" + r.name + "': more than " + std::to_string(max->get_int64())
                    + " calls in " + std::to_string(per->get_int64()) + " s",
                error_code::rate_limited);
  v.retry_after_ms = retry_after.count();
  return v;
}

/// The value at a dotted path ("order.amount") of a JSON object, or null.
const json::value* at_path(const json::object& root, std::string_view path) {
  const json::object* obj = &root;
  const json::value* v = nullptr;
  while (true) {
    auto dot = path.find('.');
    auto name = path.substr(0, dot);
    v = obj->if_contains(name);
    if (v == nullptr || dot == std::string_view::npos)
      return v;
    if (!v->is_object())
      return nullptr;
    obj = &v->get_object();
    path.remove_prefix(dot + 1);
  }
}

bool json_in(const json::value& v, const json::array& list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

verdict check_parameter(const rule_record& r, const json::object& rule,
                        const policy_facts& facts) {
  const auto* field = rule.if_contains("field");
  if (field == nullptr || !field->is_string() || field->get_string().empty())
    return unevaluable(r, "'field' (a dotted path into the JSON body) is required");
  const auto* max = rule.if_contains("max");
  const auto* min = rule.if_contains("min");
  const auto* allowed = rule.if_contains("allowed");
  const auto* denied = rule.if_contains("denied");
  if (!max && !min && !allowed && !denied)
    return unevaluable(r, "give at least one of max, min, allowed, denied");
  if ((max && !max->is_number()) || (min && !min->is_number()))
    return unevaluable(r, "'max' and 'min' must be numbers");
  if ((allowed && !allowed->is_array()) || (denied && !denied->is_array()))
    return unevaluable(r, "'allowed' and 'denied' must be lists");
  // A token retrieval hands the credential out: no body to check, so the rule
  // cannot hold; the caller must use proxy mode.
  if (!facts.body)
    return deny("parameter_rule_requires_proxy",
                "rule '" + r.name + "' checks request bodies: use proxy_request()");
  // No body at all (a GET): nothing to check, as for a missing field.
  auto body = facts.body->empty() ? std::optional<json::object>{json::object{}}
                                  : parse_body(*facts.body);
  if (!body)
    return deny("parameter_unreadable",
                "rule '" + r.name + "': the request body is not a JSON object");
  const auto* v = at_path(*body, field->get_string());
  std::string where
      = "rule '" + r.name + "': '" + std::string{field->get_string()} + "'";
  if (v == nullptr) {
    const auto* required = rule.if_contains("required");
    if (required != nullptr && required->is_bool() && required->get_bool())
      return deny("parameter_missing", where + " is required");
    return {};
  }
  if ((max || min) && !v->is_number())
    return deny("parameter_not_allowed", where + " must be a number");
  if (max && v->to_number<double>() > max->to_number<double>())
    return deny("parameter_not_allowed", where + " is above its maximum");
  if (min && v->to_number<double>() < min->to_number<double>())
    return deny("parameter_not_allowed", where + " is below its minimum");
  if (allowed && !json_in(*v, allowed->get_array()))
    return deny("parameter_not_allowed", where + " has a value that is not allowed");
  if (denied && json_in(*v, denied->get_array()))
    return deny("parameter_not_allowed", where + " has a denied value");
  return {};
}

verdict check_rule(const rule_record& r, const policy_facts& facts,
                   rate_counters& counters, std::vector<std::string>* to_record) {
  auto body = parse_body(r.rule_body_json);
  if (!body)
    return unevaluable(r, "its body is not a JSON object");
  if (r.rule_type == rule_kinds::json_match
      || r.rule_type == rule_kinds::require_approval) {
    auto when = when_of(*body, r.rule_type);
    if (!when)
      return unevaluable(r, "'when' must map known attributes to strings");
    if (!rule_matches(*when, facts.attributes))
      return {};
    if (r.rule_type == rule_kinds::require_approval)
      return {policy_effect::require_approval, "approval_required",
              "rule '" + r.name + "' requires a human approval"};
    return deny("json_match", "denied by rule '" + r.name + "'");
  }
  if (r.rule_type == rule_kinds::ip_allowlist)
    return check_ip_allowlist(r, *body, facts);
  if (r.rule_type == rule_kinds::time_window)
    return check_time_window(r, *body, facts);
  if (r.rule_type == rule_kinds::rate_limit)
    return check_rate_limit(r, *body, facts, counters, to_record);
  if (r.rule_type == rule_kinds::parameter)
    return check_parameter(r, *body, facts);
  return unevaluable(r, "unknown rule type '" + r.rule_type + "'");
}

} // namespace

std::optional<std::string> rule_body_problem(std::string_view rule_type,
                                             const std::string& body_json) {
  rule_record probe;
  probe.id = "probe";
  probe.name = "probe";
  probe.rule_type = std::string{rule_type};
  probe.rule_body_json = body_json;
  // Evaluating against empty facts surfaces every "cannot be evaluated" reason;
  // a rate_limit probe must not count, so it gets its own counters.
  rate_counters scratch;
  policy_facts facts;
  facts.body = std::string{"{}"};
  auto guard = scratch.hold();
  auto v = check_rule(probe, facts, scratch, nullptr);
  if (v.policy_error == "rule_unevaluable") {
    auto pos = v.message.find('(');
    auto end = v.message.rfind(')');
    return pos == std::string::npos ? v.message
                                    : v.message.substr(pos + 1, end - pos - 1);
  }
  return std::nullopt;
}

std::unique_lock<std::mutex> rate_counters::hold() {
  return std::unique_lock<std::mutex>{mtx_};
}

bool rate_counters::would_admit(const std::string& key, int64_t max_calls,
                                std::chrono::seconds window,
                                std::chrono::steady_clock::time_point now,
                                std::chrono::milliseconds& retry_after) {
  auto i = calls_.find(key);
  if (i == calls_.end())
    return max_calls > 0;
  auto& calls = i->second;
  auto horizon = now - window;
  calls.erase(calls.begin(), std::find_if(calls.begin(), calls.end(),
                                          [&](const auto& t) { return t > horizon; }));
  if (calls.empty()) {
    calls_.erase(i); // idle callers cost nothing
    return max_calls > 0;
  }
  if (static_cast<int64_t>(calls.size()) >= max_calls) {
    retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(calls.front()
                                                                        + window - now);
    return false;
  }
  return true;
}

void rate_counters::record(const std::string& key,
                           std::chrono::steady_clock::time_point now) {
  calls_[key].push_back(now);
}

policy_decision evaluate_policy(const std::vector<rule_record>& rules,
                                const std::optional<constraint_rule>& constraint,
                                const policy_facts& facts, rate_counters& counters) {
  policy_decision out;
  auto consider = [&](const verdict& v, const std::string& rule_id) {
    if (v.effect == policy_effect::deny && out.effect != policy_effect::deny) {
      out.effect = policy_effect::deny;
      out.rule_id = rule_id;
      json::object details{{"policy_error", v.policy_error}};
      if (!rule_id.empty())
        details["rule_id"] = rule_id;
      auto e = make_error(v.code, v.message, json::serialize(details));
      e.retry_after_ms = v.retry_after_ms;
      out.refusal = std::move(e);
    } else if (v.effect == policy_effect::require_approval
               && out.effect == policy_effect::allow) {
      out.effect = policy_effect::require_approval;
      out.rule_id = rule_id;
    }
  };
  // Rate limits count only calls that every other rule lets through.
  std::vector<const rule_record*> rate_rules;
  for (const auto& r : rules) {
    if (!r.enabled)
      continue;
    if (r.rule_type == rule_kinds::rate_limit) {
      rate_rules.push_back(&r);
      continue;
    }
    consider(check_rule(r, facts, counters, nullptr), r.id);
  }
  if (constraint) {
    if (rule_matches(*constraint, facts.attributes)) {
      if (constraint->type == rule_types::json_match)
        consider(
            deny("constraint_rule_denied", "denied by the client's constraint rule"),
            {});
      else
        consider({policy_effect::require_approval, "approval_required",
                  "the client's constraint rule requires a human approval"},
                 {});
    }
  }
  if (out.effect == policy_effect::deny || rate_rules.empty())
    return out;
  // Check every limit, then count the call against all of them, under one
  // lock: a call that one limit refuses uses up no other limit's quota.
  auto guard = counters.hold();
  std::vector<std::string> to_record;
  for (const auto* r : rate_rules)
    consider(check_rule(*r, facts, counters, &to_record), r->id);
  if (out.effect != policy_effect::deny) {
    auto now = std::chrono::steady_clock::now();
    for (const auto& key : to_record)
      counters.record(key, now);
  }
  return out;
}

} // namespace alter::backend
