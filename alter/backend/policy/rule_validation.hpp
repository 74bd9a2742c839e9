// What a rule must satisfy before it is stored, whether it comes through the API
// or the command line: a name, a target of the rule's own app, and a type and
// body that parse (validating the body is parsing it: rule_parser.hpp).
#pragma once

#include <caf/expected.hpp>

#include "alter/backend/policy/parsed_rule.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/backend/store/store.hpp"
#include "alter/messages/alter_error.hpp"

namespace alter::backend {

/// The parsed rule when `r` may be stored. Otherwise invalid_request naming the
/// field and what is wrong with it, or not_found for a target outside the app.
caf::expected<parsed_rule> check_rule(store& db, const rule_record& r);

/// A fresh id ("rule_" + 32 hex digits).
std::string new_rule_id();

} // namespace alter::backend
