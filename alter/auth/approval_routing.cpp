#include "alter/auth/approval_routing.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alter/messages/field.hpp"

namespace json = boost::json;

namespace alter {

namespace {

constexpr std::size_t max_channels = 4;

std::string at(std::string_view where, std::string_view key) {
  return std::string{where} + "." + std::string{key};
}

std::string at(std::string_view where, std::string_view key, std::size_t i) {
  return at(where, key) + "[" + std::to_string(i) + "]";
}

std::optional<rule_problem> parse_approvers(const json::value& v,
                                            std::string_view where,
                                            std::vector<std::string>& out) {
  if (!v.is_array() || v.get_array().size() > max_approvers)
    return rule_problem{at(where, "approvers"), "must be a list of at most "
                                                    + std::to_string(max_approvers)
                                                    + " approver names"};
  const auto& list = v.get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string() || !is_approver_name(list[i].get_string()))
      return rule_problem{at(where, "approvers", i),
                          "must be an approver's name: 1 to "
                              + std::to_string(max_approver_name_chars)
                              + " characters, no control characters"};
    out.emplace_back(list[i].get_string());
  }
  return std::nullopt;
}

std::optional<rule_problem> parse_channels(const json::value& v, std::string_view where,
                                           std::vector<approval_channel>& out) {
  if (!v.is_array() || v.get_array().size() > max_channels)
    return rule_problem{at(where, "channels"), "must be a list of channels ("
                                                   + approval_channel_names()
                                                   + "); [] for none"};
  out.clear();
  const auto& list = v.get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    approval_channel c{};
    if (!list[i].is_string() || !from_string(list[i].get_string(), c))
      return rule_problem{at(where, "channels", i),
                          "must be one of " + approval_channel_names() + ", got "
                              + (list[i].is_string() ? quoted(list[i].get_string())
                                                     : std::string{"a non-string"})};
    if (std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(c);
  }
  return std::nullopt;
}

} // namespace

bool is_approver_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_approver_name_chars
         && std::none_of(name.begin(), name.end(), [](char c) {
              auto u = static_cast<unsigned char>(c);
              return u < 0x20 || u == 0x7f;
            });
}

std::string_view to_string(approval_channel c) noexcept {
  switch (c) {
    case approval_channel::email:
      return "email";
  }
  return "email";
}

bool from_string(std::string_view text, approval_channel& out) noexcept {
  if (text == "email") {
    out = approval_channel::email;
    return true;
  }
  return false;
}

std::string approval_channel_names() {
  return "email";
}

bool approval_routing::is_default() const noexcept {
  return approvers.empty() && channels.size() == 1
         && channels.front() == approval_channel::email;
}

bool approval_routing::admits(std::string_view name) const noexcept {
  return approvers.empty()
         || std::any_of(approvers.begin(), approvers.end(),
                        [&](const std::string& a) { return iequals(a, name); });
}

bool operator==(const approval_routing& a, const approval_routing& b) noexcept {
  return a.approvers == b.approvers && a.channels == b.channels;
}

std::optional<rule_problem> parse_approval_routing(const json::value& v,
                                                   std::string_view where,
                                                   approval_routing& out) {
  if (!v.is_object())
    return rule_problem{
        std::string{where},
        "must be an object {\"approvers\": [...], \"channels\": [...]}"};
  for (const auto& [key, value] : v.get_object()) {
    std::optional<rule_problem> problem;
    if (key == "approvers")
      problem = parse_approvers(value, where, out.approvers);
    else if (key == "channels")
      problem = parse_channels(value, where, out.channels);
    else
      problem = rule_problem{std::string{where}, "unknown field " + quoted(key)
                                                     + " (known: approvers, channels)"};
    if (problem)
      return problem;
  }
  return std::nullopt;
}

json::object to_json_object(const approval_routing& x) {
  json::array approvers;
  for (const auto& a : x.approvers)
    approvers.emplace_back(a);
  json::array channels;
  for (auto c : x.channels)
    channels.emplace_back(to_string(c));
  return json::object{{"approvers", std::move(approvers)},
                      {"channels", std::move(channels)}};
}

} // namespace alter
