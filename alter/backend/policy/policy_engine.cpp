#include "alter/backend/policy/policy_engine.hpp"

#include <algorithm>
#include <array>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

#include "alter/backend/policy/rule_parser.hpp"
#include "alter/backend/store/rate_limits_repository.hpp"

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
  /// For a hold: who decides (the rule's, which outlives the evaluation).
  const approval_routing* approval = nullptr;
};

verdict deny(std::string policy_error, std::string message,
             error_code code = error_code::policy_denied) {
  return {policy_effect::deny,
          std::move(policy_error),
          std::move(message),
          code,
          0,
          nullptr};
}

const std::string* fact(const policy_facts& facts, std::string_view name) {
  for (const auto& [k, v] : facts.attributes)
    if (k == name)
      return &v;
  return nullptr;
}

/// What the rules of one call read more than once, worked out at most once.
class call_view {
public:
  explicit call_view(const policy_facts& facts) : facts(facts) {
  }

  const policy_facts& facts;

  /// The proxied body as a JSON object; nullopt when it is not one. Parsed on
  /// first use (by a parameter rule): the call's body, never a rule's.
  const std::optional<json::object>& body_object() {
    if (!body_parsed_) {
      body_parsed_ = true;
      if (facts.body && facts.body->empty()) {
        body_ = json::object{}; // no body (a GET): every field is missing
      } else if (facts.body) {
        boost::system::error_code ec;
        json::parse_options opts;
        opts.max_depth = 16;
        auto v = json::parse(*facts.body, ec, json::storage_ptr(), opts);
        if (!ec && v.is_object())
          body_ = std::move(v.get_object());
      }
    }
    return body_;
  }

private:
  bool body_parsed_ = false;
  std::optional<json::object> body_;
};

bool inside(const ip_network& net, const boost::asio::ip::address& addr) {
  if (net.v4 != addr.is_v4())
    return false;
  std::array<unsigned char, 16> a{};
  if (addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), a.begin());
  } else {
    a = addr.to_v6().to_bytes();
  }
  for (std::size_t i = 0; i < net.prefix; ++i) {
    auto mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((a[i / 8] & mask) != (net.bytes[i / 8] & mask))
      return false;
  }
  return true;
}

verdict check(const loaded_rule& r, const ip_allowlist_rule& rule, call_view& call) {
  const auto* ip = fact(call.facts, "client_ip");
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(ip ? *ip : std::string{}, ec);
  if (!ec) {
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
    for (const auto& net : rule.networks)
      if (inside(net, addr))
        return {};
  }
  return deny("ip_not_allowed", "rule '" + r.name + "': the client address "
                                    + (ip ? *ip : std::string{"(unknown)"})
                                    + " is not allowed");
}

verdict check(const loaded_rule& r, const time_window_rule& rule, call_view& call) {
  auto local = call.facts.now + rule.utc_offset_minutes * 60;
  auto day = ((local / 86400) + 4) % 7; // 1970-01-01 was a Thursday (4)
  if (day < 0)
    day += 7;
  if (rule.days && (*rule.days & (1u << day)) == 0)
    return deny("outside_time_window",
                "rule '" + r.name + "': not allowed on this day");
  auto minute = static_cast<int>(((local % 86400) + 86400) % 86400 / 60);
  auto start = rule.start_minute;
  auto end = rule.end_minute;
  bool in = start <= end ? (minute >= start && minute < end)
                         : (minute >= start || minute < end); // over midnight
  if (!in)
    return deny("outside_time_window",
                "rule '" + r.name + "': not allowed at this time of day");
  return {};
}

/// What a rate-limit rule counts this call against: the rule and its subject.
rate_limit limit_for(const loaded_rule& r, const rate_limit_rule& rule,
                     const call_view& call) {
  const auto* who = fact(call.facts, rule.per == rate_subject::key   ? "api_key_id"
                                     : rule.per == rate_subject::app ? "app_id"
                                                                     : "agent_id");
  if (who == nullptr) // an app key without an agent: count it per key
    who = fact(call.facts, "api_key_id");
  return {r.id + "/" + (who ? *who : std::string{}), rule.max_calls,
          std::chrono::duration_cast<std::chrono::milliseconds>(rule.window)};
}

verdict rate_limited(const loaded_rule& r, const rate_limit_rule& rule,
                     std::chrono::milliseconds retry_after) {
  auto v = deny("rate_limited",
                "rule '" + r.name + "': more than " + std::to_string(rule.max_calls)
                    + " calls in " + std::to_string(rule.window.count()) + " s",
                error_code::rate_limited);
  v.retry_after_ms = retry_after.count();
  return v;
}

/// The value at `path` ("order", "amount") of a JSON object, or null.
const json::value* at_path(const json::object& root,
                           const std::vector<std::string>& path) {
  const json::object* obj = &root;
  const json::value* v = nullptr;
  for (std::size_t i = 0; i < path.size(); ++i) {
    v = obj->if_contains(path[i]);
    if (v == nullptr || i + 1 == path.size())
      return v;
    if (!v->is_object())
      return nullptr;
    obj = &v->get_object();
  }
  return v;
}

bool json_in(const json::value& v, const json::array& list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

verdict check(const loaded_rule& r, const parameter_rule& rule, call_view& call) {
  // A token retrieval hands the credential out: no body to check, so the rule
  // cannot hold; the caller must use proxy mode.
  if (!call.facts.body)
    return deny("parameter_rule_requires_proxy",
                "rule '" + r.name + "' checks request bodies: use proxy_request()");
  const auto& body = call.body_object();
  if (!body)
    return deny("parameter_unreadable",
                "rule '" + r.name + "': the request body is not a JSON object");
  const auto* v = at_path(*body, rule.path);
  std::string where = "rule '" + r.name + "': '" + rule.field + "'";
  if (v == nullptr) {
    if (rule.required)
      return deny("parameter_missing", where + " is required");
    return {};
  }
  if ((rule.max || rule.min) && !v->is_number())
    return deny("parameter_not_allowed", where + " must be a number");
  if (rule.max && v->to_number<double>() > *rule.max)
    return deny("parameter_not_allowed", where + " is above its maximum");
  if (rule.min && v->to_number<double>() < *rule.min)
    return deny("parameter_not_allowed", where + " is below its minimum");
  if (rule.allowed && !json_in(*v, *rule.allowed))
    return deny("parameter_not_allowed", where + " has a value that is not allowed");
  if (rule.denied && json_in(*v, *rule.denied))
    return deny("parameter_not_allowed", where + " has a denied value");
  return {};
}

verdict check_match(rule_type type, const std::vector<rule_condition>& when,
                    const approval_routing& approval, const call_view& call,
                    std::string deny_error, std::string deny_message,
                    std::string hold_message) {
  if (!rule_matches(when, call.facts.attributes))
    return {};
  if (type == rule_type::require_approval)
    return {policy_effect::require_approval,
            "approval_required",
            std::move(hold_message),
            error_code::policy_denied,
            0,
            &approval};
  return deny(std::move(deny_error), std::move(deny_message));
}

/// Every rule but the rate limits, which evaluate_policy runs last.
verdict check(const loaded_rule& r, call_view& call) {
  if (!r.parse || !*r.parse)
    return deny("rule_unevaluable",
                "rule '" + r.name + "' cannot be evaluated ("
                    + (r.parse ? r.parse->problem().to_string() : "not parsed")
                    + "); denied");
  const auto& rule = **r.parse;
  if (const auto* m = std::get_if<match_rule>(&rule.body))
    return check_match(rule.type, m->when, m->approval, call, "json_match",
                       "denied by rule '" + r.name + "'",
                       "rule '" + r.name + "' requires a human approval");
  if (const auto* ip = std::get_if<ip_allowlist_rule>(&rule.body))
    return check(r, *ip, call);
  if (const auto* t = std::get_if<time_window_rule>(&rule.body))
    return check(r, *t, call);
  if (const auto* p = std::get_if<parameter_rule>(&rule.body))
    return check(r, *p, call);
  return {};
}

const rate_limit_rule* rate_limit_of(const loaded_rule& r) {
  if (!r.parse || !*r.parse)
    return nullptr;
  return std::get_if<rate_limit_rule>(&(*r.parse)->body);
}

} // namespace

policy_decision evaluate_policy(const std::vector<loaded_rule>& rules,
                                const std::optional<constraint_rule>& constraint,
                                const policy_facts& facts,
                                rate_limits_repository& rates) {
  policy_decision out;
  auto consider = [&](const verdict& v, const std::string& rule_id,
                      const std::string& rule_name) {
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
               && out.effect != policy_effect::deny) {
      // Every rule that holds the call is a gate of its approval.
      if (out.effect == policy_effect::allow)
        out.rule_id = rule_id;
      out.effect = policy_effect::require_approval;
      out.holds.push_back({rule_id, rule_name, *v.approval});
    }
  };
  call_view call{facts};
  // Rate limits count only calls that every other rule lets through.
  std::vector<std::pair<const loaded_rule*, const rate_limit_rule*>> rate_rules;
  for (const auto& r : rules) {
    if (const auto* limit = rate_limit_of(r)) {
      rate_rules.emplace_back(&r, limit);
      continue;
    }
    consider(check(r, call), r.id, r.name);
  }
  if (constraint)
    consider(check_match(type_of(*constraint), constraint->when, constraint->approval,
                         call, "constraint_rule_denied",
                         "denied by the client's constraint rule",
                         "the client's constraint rule requires a human approval"),
             {}, {});
  if (out.effect == policy_effect::deny || rate_rules.empty())
    return out;
  // Every limit checked and the call counted against all of them at once, in
  // the store: a call that one limit refuses uses up no other limit's quota.
  std::vector<rate_limit> limits;
  limits.reserve(rate_rules.size());
  for (const auto& [r, limit] : rate_rules)
    limits.push_back(limit_for(*r, *limit, call));
  auto admission = rates.admit(limits, std::chrono::system_clock::now());
  if (!admission.admitted) {
    const auto& [r, limit] = rate_rules[admission.refused];
    consider(rate_limited(*r, *limit, admission.retry_after), r->id, r->name);
  }
  return out;
}

} // namespace alter::backend
