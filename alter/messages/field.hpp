// An ordered name/value pair: HTTP headers, query parameters, audit context.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace alter {

struct field {
  std::string name;
  std::string value;
};

using field_list = std::vector<field>;

inline bool operator==(const field& a, const field& b) noexcept {
  return a.name == b.name && a.value == b.value;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, field& x) {
  return f(caf::meta::type_name("field"), x.name, x.value);
}

/// The first value whose name equals `name` ignoring ASCII case; nullptr if none.
const std::string* find_field(const field_list& xs, std::string_view name) noexcept;

/// Case-insensitive ASCII comparison, the rule for HTTP header names.
bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace alter
