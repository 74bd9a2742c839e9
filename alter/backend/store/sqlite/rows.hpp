// Internal to the SQLite store: the column lists and row readers that several
// repositories share, so each table is read one way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alter/backend/store/records.hpp"
#include "alter/backend/store/sqlite/database.hpp"

namespace alter::backend {

std::string to_json_array(const std::vector<std::string>& xs);
std::vector<std::string> from_json_array(const std::string& text);

extern const char* const key_columns;
extern const char* const agent_columns;
extern const char* const grant_columns;

/// A stored name read back as its enum; a text that is no name (bytes written by
/// something else) reads as `fail_closed`, the value that refuses access.
template <class Enum>
Enum stored_name(std::string_view text, Enum fail_closed) noexcept {
  Enum out = fail_closed;
  from_string(text, out);
  return out;
}

key_record read_key(const statement& s);
agent_record read_agent(const statement& s);
grant_record read_grant(const statement& s);

} // namespace alter::backend
