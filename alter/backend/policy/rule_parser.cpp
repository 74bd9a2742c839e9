#include "alter/backend/policy/rule_parser.hpp"

#include <algorithm>
#include <initializer_list>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

namespace json = boost::json;

namespace alter::backend {

namespace {

using fields = std::initializer_list<std::string_view>;

std::string field_of(std::string_view key) {
  return "rule_body." + std::string{key};
}

std::string list_of(fields names) {
  std::string out;
  for (auto n : names)
    out += (out.empty() ? "" : ", ") + std::string{n};
  return out;
}

/// A misspelt field would silently drop a check: every field must be known.
std::optional<rule_problem> unknown_field(const json::object& body, fields known) {
  for (const auto& [key, value] : body)
    if (std::find(known.begin(), known.end(), std::string_view{key}) == known.end())
      return rule_problem{"rule_body", "unknown field " + quoted(key)
                                           + " (known: " + list_of(known) + ")"};
  return std::nullopt;
}

std::optional<rule_problem> parse_deny_match(const json::object& body,
                                             match_rule& out) {
  if (auto p = unknown_field(body, {"when"}))
    return p;
  if (const auto* when = body.if_contains("when"))
    return parse_conditions(*when, "rule_body.when", out.when);
  return std::nullopt;
}

std::optional<rule_problem> parse_approval_match(const json::object& body,
                                                 match_rule& out) {
  if (auto p = unknown_field(body, {"when", "approval"}))
    return p;
  if (const auto* when = body.if_contains("when"))
    if (auto p = parse_conditions(*when, "rule_body.when", out.when))
      return p;
  if (const auto* approval = body.if_contains("approval"))
    return parse_approval_routing(*approval, "rule_body.approval", out.approval);
  return std::nullopt;
}

/// Why `text` is not a network ("10.0.0.0/8", "::1/128", a bare address).
std::optional<std::string> network_of(std::string_view text, ip_network& out) {
  auto slash = text.find('/');
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string{text.substr(0, slash)}, ec);
  if (ec)
    return quoted(text) + " is not an IPv4 or IPv6 address or network";
  out.v4 = address.is_v4();
  std::size_t bits = out.v4 ? 32 : 128;
  if (out.v4) {
    auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
  } else {
    out.bytes = address.to_v6().to_bytes();
  }
  out.prefix = bits;
  if (slash == std::string_view::npos)
    return std::nullopt;
  auto digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3
      || !std::all_of(digits.begin(), digits.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
    return quoted(text) + ": the prefix length must be a number";
  out.prefix = 0;
  for (char c : digits)
    out.prefix = out.prefix * 10 + static_cast<std::size_t>(c - '0');
  if (out.prefix > bits)
    return quoted(text) + ": the prefix length must be at most " + std::to_string(bits);
  return std::nullopt;
}

std::optional<rule_problem> parse_ip_allowlist(const json::object& body,
                                               ip_allowlist_rule& out) {
  if (auto p = unknown_field(body, {"cidrs"}))
    return p;
  const auto* cidrs = body.if_contains("cidrs");
  if (cidrs == nullptr || !cidrs->is_array() || cidrs->get_array().empty())
    return rule_problem{
        field_of("cidrs"),
        "required: a non-empty list of networks such as \"10.0.0.0/8\""};
  const auto& list = cidrs->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto field = field_of("cidrs") + "[" + std::to_string(i) + "]";
    if (!list[i].is_string())
      return rule_problem{field, "must be a string"};
    ip_network n;
    if (auto why = network_of(list[i].get_string(), n))
      return rule_problem{field, *why};
    out.networks.push_back(n);
  }
  return std::nullopt;
}

/// "HH:MM" (00:00 to 24:00) as minutes after midnight.
std::optional<int> minutes_of(std::string_view t) {
  if (t.size() != 5 || t[2] != ':')
    return std::nullopt;
  auto digit = [&](int i) { return t[i] >= '0' && t[i] <= '9' ? t[i] - '0' : -100; };
  int h = digit(0) * 10 + digit(1);
  int m = digit(3) * 10 + digit(4);
  if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
    return std::nullopt;
  return h * 60 + m;
}

std::optional<rule_problem> parse_clock(const json::object& body, std::string_view key,
                                        int& out) {
  const auto* v = body.if_contains(key);
  if (v == nullptr)
    return rule_problem{field_of(key), "required: a time of day \"HH:MM\""};
  auto minutes = v->is_string() ? minutes_of(v->get_string()) : std::nullopt;
  if (!minutes)
    return rule_problem{field_of(key),
                        "must be a time of day \"HH:MM\" (00:00 to 24:00)"};
  out = *minutes;
  return std::nullopt;
}

std::optional<rule_problem> parse_time_window(const json::object& body,
                                              time_window_rule& out) {
  if (auto p = unknown_field(body, {"start", "end", "days", "utc_offset_minutes"}))
    return p;
  if (auto p = parse_clock(body, "start", out.start_minute))
    return p;
  if (auto p = parse_clock(body, "end", out.end_minute))
    return p;
  if (const auto* o = body.if_contains("utc_offset_minutes")) {
    constexpr int64_t max_offset = 840; // UTC-14:00 to UTC+14:00, in minutes
    if (!o->is_int64() || o->get_int64() < -max_offset || o->get_int64() > max_offset)
      return rule_problem{field_of("utc_offset_minutes"),
                          "must be an integer from -840 to 840"};
    out.utc_offset_minutes = o->get_int64();
  }
  if (const auto* days = body.if_contains("days")) {
    static constexpr std::array<std::string_view, 7> names
        = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    if (!days->is_array())
      return rule_problem{field_of("days"),
                          "must be a list such as [\"mon\", \"tue\"]"};
    std::uint8_t mask = 0;
    const auto& list = days->get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto at = list[i].is_string() ? std::find(names.begin(), names.end(),
                                                std::string_view{list[i].get_string()})
                                    : names.end();
      if (at == names.end())
        return rule_problem{field_of("days") + "[" + std::to_string(i) + "]",
                            "must be one of sun, mon, tue, wed, thu, fri, sat"};
      mask = static_cast<std::uint8_t>(mask | (1u << (at - names.begin())));
    }
    out.days = mask;
  }
  return std::nullopt;
}

std::optional<rule_problem> parse_rate_limit(const json::object& body,
                                             rate_limit_rule& out) {
  if (auto p = unknown_field(body, {"max_calls", "per_seconds", "per"}))
    return p;
  const auto* max = body.if_contains("max_calls");
  if (max == nullptr || !max->is_int64() || max->get_int64() < 1)
    return rule_problem{field_of("max_calls"), "required: an integer of at least 1"};
  out.max_calls = max->get_int64();
  const auto* per = body.if_contains("per_seconds");
  if (per == nullptr || !per->is_int64() || per->get_int64() < 1
      || per->get_int64() > 86400)
    return rule_problem{field_of("per_seconds"),
                        "required: an integer from 1 to 86400"};
  out.window = std::chrono::seconds{per->get_int64()};
  if (const auto* s = body.if_contains("per")) {
    if (!s->is_string() || !from_string(s->get_string(), out.per))
      return rule_problem{field_of("per"), "must be agent, key or app"};
  }
  return std::nullopt;
}

std::optional<rule_problem> parse_parameter(const json::object& body,
                                            parameter_rule& out) {
  if (auto p
      = unknown_field(body, {"field", "max", "min", "allowed", "denied", "required"}))
    return p;
  const auto* field = body.if_contains("field");
  if (field == nullptr || !field->is_string() || field->get_string().empty())
    return rule_problem{field_of("field"),
                        "required: a dotted path into the JSON body, such as "
                        "\"order.amount\""};
  out.field = std::string{field->get_string()};
  std::string_view rest = out.field;
  while (true) {
    auto dot = rest.find('.');
    out.path.emplace_back(rest.substr(0, dot));
    if (dot == std::string_view::npos)
      break;
    rest.remove_prefix(dot + 1);
  }
  for (auto key : {"max", "min"}) {
    if (const auto* v = body.if_contains(key)) {
      if (!v->is_number())
        return rule_problem{field_of(key), "must be a number"};
      (std::string_view{key} == "max" ? out.max : out.min) = v->to_number<double>();
    }
  }
  for (auto key : {"allowed", "denied"}) {
    if (const auto* v = body.if_contains(key)) {
      if (!v->is_array())
        return rule_problem{field_of(key), "must be a list of values"};
      (std::string_view{key} == "allowed" ? out.allowed : out.denied) = v->get_array();
    }
  }
  if (!out.max && !out.min && !out.allowed && !out.denied)
    return rule_problem{"rule_body",
                        "give at least one check: max, min, allowed or denied"};
  if (const auto* v = body.if_contains("required")) {
    if (!v->is_bool())
      return rule_problem{field_of("required"), "must be true or false"};
    out.required = v->get_bool();
  }
  return std::nullopt;
}

template <class Kind, class Parse>
rule_parse parse_as(rule_type type, const json::object& body, Parse parse) {
  Kind kind;
  if (auto p = parse(body, kind))
    return std::move(*p);
  return parsed_rule{type, std::move(kind)};
}

} // namespace

rule_parse parse_rule(std::string_view type_name, std::string_view body_json) {
  rule_type type{};
  if (!from_string(type_name, type))
    return rule_problem{"rule_type",
                        "unknown rule type " + quoted(type_name)
                            + " (known: json_match, require_approval, ip_allowlist, "
                              "time_window, rate_limit, parameter)"};
  if (body_json.size() > max_rule_body_chars)
    return rule_problem{"rule_body", "longer than "
                                         + std::to_string(max_rule_body_chars)
                                         + " characters"};
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto value = json::parse(body_json, ec, json::storage_ptr(), opts);
  if (ec || !value.is_object())
    return rule_problem{"rule_body", "must be a JSON object"};
  const auto& body = value.get_object();
  switch (type) {
    case rule_type::json_match:
      return parse_as<match_rule>(type, body, parse_deny_match);
    case rule_type::require_approval:
      return parse_as<match_rule>(type, body, parse_approval_match);
    case rule_type::ip_allowlist:
      return parse_as<ip_allowlist_rule>(type, body, parse_ip_allowlist);
    case rule_type::time_window:
      return parse_as<time_window_rule>(type, body, parse_time_window);
    case rule_type::rate_limit:
      return parse_as<rate_limit_rule>(type, body, parse_rate_limit);
    case rule_type::parameter:
      return parse_as<parameter_rule>(type, body, parse_parameter);
  }
  return rule_problem{"rule_type", "unknown rule type"};
}

} // namespace alter::backend
