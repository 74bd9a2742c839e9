#include "alter/auth/scope_table.hpp"

#include "alter/auth/scope.hpp"

namespace alter {

namespace {

constexpr auto crud = scope_kind::crud;
constexpr auto action = scope_kind::action;
constexpr auto none = default_grant::none;
constexpr auto read = default_grant::read;
constexpr auto admin = default_grant::admin;
constexpr auto held = default_grant::held;

constexpr std::string_view verb_of(default_grant g) {
  switch (g) {
    case default_grant::read:
      return "read";
    case default_grant::write:
      return "write";
    case default_grant::admin:
      return "admin";
    default:
      return {};
  }
}

} // namespace

const std::vector<scope_family>& scope_table() {
  // Built on first use: bootstrap_spec's defaults may be made during static
  // initialisation of another file.
  static const std::vector<scope_family> families{
      {"agents", crud, "managed agents; admin: their keys", admin, none},
      {"grants", crud, "grants and delegations", admin, read},
      {"keys", crud, "API keys; admin: rotate and revoke", admin, none},
      {"secrets", crud, "managed secrets", none, none},
      {"idp_users", crud, "end users of the identity provider", none, none},
      {"audit_logs", crud, "the audit trail", read, none},
      {"usage", crud, "usage figures", none, none},
      {"policies", crud, "policy rules", admin, none},
      {"tokens:retrieve", action, "retrieve a credential (request())", held, held},
      {"proxy:execute", action, "call a provider through the backend (proxy_request())",
       held, held},
      {"connect:initiate", action, "start Connect sessions", held, none},
      {"keys:derive", action, "derive short-lived, narrower keys", held, none},
      {"audit:emit", action, "append provider-call reports to the audit log", held,
       held},
  };
  return families;
}

bool is_catalogued_scope(std::string_view text) {
  auto parsed = parse_scope(text);
  if (!parsed || !parsed->instance.empty())
    return false;
  for (const auto& f : scope_table()) {
    if (f.kind == action && f.name == text)
      return true;
    if (f.kind == crud && f.name == parsed->resource
        && (parsed->verb == "read" || parsed->verb == "write"
            || parsed->verb == "admin"))
      return true;
  }
  return false;
}

std::vector<std::string> default_scopes(key_holder holder) {
  std::vector<std::string> out;
  for (const auto& f : scope_table()) {
    auto grant = holder == key_holder::app ? f.app_key : f.agent_key;
    if (grant == none)
      continue;
    if (f.kind == action)
      out.emplace_back(f.name);
    else
      out.push_back(std::string{f.name} + ":" + std::string{verb_of(grant)});
  }
  return out;
}

} // namespace alter
