#include "alter/backend/approvals/approval_gates.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alter/backend/policy/policy_engine.hpp"
#include "alter/backend/store/vocabulary.hpp"

namespace json = boost::json;

namespace alter::backend {

namespace {

/// Each field is short (names, ids, a note of at most 1,000 characters): a
/// longer stored value is not a gate this backend wrote.
constexpr std::size_t max_field_chars = 2048;

bool read_text(const json::object& o, std::string_view key, std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr)
    return true;
  if (!v->is_string() || v->get_string().size() > max_field_chars)
    return false;
  out = v->get_string();
  return true;
}

std::optional<gate_record> gate_from(const json::value& v) {
  if (!v.is_object())
    return std::nullopt;
  const auto& o = v.get_object();
  gate_record g;
  std::string status;
  if (!read_text(o, "rule_id", g.rule_id) || !read_text(o, "rule_name", g.rule_name)
      || !read_text(o, "status", status) || !read_text(o, "decided_by", g.decided_by)
      || !read_text(o, "decided_at", g.decided_at)
      || !read_text(o, "decision_reason", g.decision_reason))
    return std::nullopt;
  if (!from_string(status, g.status)
      || (g.status != approval_state::pending && g.status != approval_state::approved
          && g.status != approval_state::denied))
    return std::nullopt;
  if (const auto* approval = o.if_contains("approval"))
    if (parse_approval_routing(*approval, "approval", g.approval))
      return std::nullopt;
  return g;
}

/// The one gate of a call held before gates existed.
gate_record legacy_gate(const approval_record& a) {
  gate_record g;
  g.rule_id = a.rule_id;
  g.approval.channels.clear();
  g.decided_by = a.decided_by;
  g.decided_at = a.decided_at;
  g.decision_reason = a.decision_reason;
  switch (a.status) {
    case approval_state::pending:
    case approval_state::expired:
      g.status = approval_state::pending;
      break;
    case approval_state::denied:
      g.status = approval_state::denied;
      break;
    default:
      g.status = approval_state::approved;
  }
  return g;
}

} // namespace

std::vector<gate_record> gates_for(const std::vector<approval_hold>& holds) {
  std::vector<gate_record> out;
  out.reserve(holds.size());
  for (const auto& h : holds) {
    gate_record g;
    g.rule_id = h.rule_id;
    g.rule_name = h.rule_name;
    g.approval = h.approval;
    out.push_back(std::move(g));
  }
  return out;
}

std::string to_json(const std::vector<gate_record>& gates) {
  json::array out;
  for (const auto& g : gates)
    out.emplace_back(json::object{{"rule_id", g.rule_id},
                                  {"rule_name", g.rule_name},
                                  {"approval", to_json_object(g.approval)},
                                  {"status", to_string(g.status)},
                                  {"decided_by", g.decided_by},
                                  {"decided_at", g.decided_at},
                                  {"decision_reason", g.decision_reason}});
  return json::serialize(out);
}

std::optional<std::vector<gate_record>> gates_of(const approval_record& a) {
  if (a.gates_json.empty())
    return std::vector<gate_record>{legacy_gate(a)};
  json::parse_options opts;
  opts.max_depth = 8;
  boost::system::error_code ec;
  auto v = json::parse(a.gates_json, ec, json::storage_ptr(), opts);
  if (ec || !v.is_array() || v.get_array().empty() || v.get_array().size() > max_gates)
    return std::nullopt;
  std::vector<gate_record> out;
  for (const auto& item : v.get_array()) {
    auto g = gate_from(item);
    if (!g)
      return std::nullopt;
    out.push_back(std::move(*g));
  }
  return out;
}

approval_state outcome_of(const std::vector<gate_record>& gates) {
  auto is = [](approval_state s) {
    return [s](const gate_record& g) { return g.status == s; };
  };
  if (std::any_of(gates.begin(), gates.end(), is(approval_state::denied)))
    return approval_state::denied;
  if (!gates.empty()
      && std::all_of(gates.begin(), gates.end(), is(approval_state::approved)))
    return approval_state::approved;
  return approval_state::pending;
}

} // namespace alter::backend
