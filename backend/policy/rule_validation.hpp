// What a rule must satisfy before it is stored, whether it comes through the API
// or the command line: a known type with a well-formed body, and a target of
// the rule's own app.
#pragma once

#include <optional>

#include "backend/store/records.hpp"
#include "backend/store/store.hpp"
#include "messages/alter_error.hpp"

namespace alter::backend {

/// invalid_request naming the problem, or nullopt for a rule that may be stored.
std::optional<alter_error> rule_problem(store& db, const rule_record& r);

/// A fresh id ("rule_" + 32 hex digits).
std::string new_rule_id();

} // namespace alter::backend
