// Alter key scopes: resource:verb[:instance]. CRUD verbs are ordered
// read < write < admin; action verbs (tokens:retrieve, proxy:execute, ...) stand
// alone and no wildcard covers them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alter {

struct scope {
  std::string resource;
  std::string verb;
  /// Empty: every instance.
  std::string instance;

  std::string to_string() const;
};

/// nullopt for text that is not a scope of the catalog's grammar.
std::optional<scope> parse_scope(std::string_view text);

/// True when holding `granted` permits what `required` names.
bool implies(const scope& granted, const scope& required) noexcept;

/// True when any scope of `granted` implies `required`.
bool set_implies(const std::vector<std::string>& granted, std::string_view required);

/// True when every scope of `narrower` is implied by `wider`.
bool set_implies_all(const std::vector<std::string>& wider,
                     const std::vector<std::string>& narrower);

namespace scopes {
constexpr std::string_view tokens_retrieve = "tokens:retrieve";
constexpr std::string_view proxy_execute = "proxy:execute";
constexpr std::string_view connect_initiate = "connect:initiate";
constexpr std::string_view keys_derive = "keys:derive";
constexpr std::string_view audit_emit = "audit:emit";
constexpr std::string_view grants_read = "grants:read";
constexpr std::string_view grants_write = "grants:write";
constexpr std::string_view agents_read = "agents:read";
constexpr std::string_view agents_write = "agents:write";
constexpr std::string_view agents_admin = "agents:admin";
constexpr std::string_view keys_admin = "keys:admin";
} // namespace scopes

} // namespace alter
