// Alter key scopes: resource:verb[:instance]. CRUD verbs are ordered
// read < write < admin; action verbs (tokens:retrieve, proxy:execute, ...) stand
// alone and no wildcard covers them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The named scopes (scopes::...) live with the table they come from.
#include "alter/auth/scope_table.hpp"

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

} // namespace alter
