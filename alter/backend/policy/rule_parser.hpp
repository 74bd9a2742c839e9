// The one parser of stored rules: a rule type and a JSON body become a
// parsed_rule, or a rule_problem that names the field and what is wrong with it.
// Validating a rule is parsing it: the API, the command line and the rule book
// (rules loaded from the database) all call parse_rule.
#pragma once

#include <string_view>
#include <variant>

#include "alter/auth/rule_problem.hpp"
#include "alter/backend/policy/parsed_rule.hpp"

namespace alter::backend {

/// Longer bodies are refused unparsed (a hostile row costs no parse).
constexpr std::size_t max_rule_body_chars = 16 * 1024;

/// The parsed rule, or why it does not parse.
class rule_parse {
public:
  rule_parse(parsed_rule rule) : value_(std::move(rule)) {
  }
  rule_parse(rule_problem problem) : value_(std::move(problem)) {
  }

  explicit operator bool() const noexcept {
    return value_.index() == 0;
  }
  /// Only when the parse succeeded.
  const parsed_rule& operator*() const {
    return std::get<parsed_rule>(value_);
  }
  const parsed_rule* operator->() const {
    return &std::get<parsed_rule>(value_);
  }
  /// Only when it failed.
  const rule_problem& problem() const {
    return std::get<rule_problem>(value_);
  }

private:
  std::variant<parsed_rule, rule_problem> value_;
};

/// Parses a rule's `type` (its wire name) and `body_json`. Problems name their
/// field as a path from the rule object: "rule_type", "rule_body",
/// "rule_body.cidrs[2]", "rule_body.when.method".
rule_parse parse_rule(std::string_view type, std::string_view body_json);

} // namespace alter::backend
