#include "alter/messages/traceparent.hpp"

#include <algorithm>

namespace alter {

namespace {

constexpr std::size_t traceparent_size = 55; // 2 + 1 + 32 + 1 + 16 + 1 + 2

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

bool all_zeros(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

} // namespace

bool is_valid_traceparent(std::string_view v) {
  if (v.size() != traceparent_size || v[2] != '-' || v[35] != '-' || v[52] != '-')
    return false;
  auto version = v.substr(0, 2);
  auto trace_id = v.substr(3, 32);
  auto parent_id = v.substr(36, 16);
  auto flags = v.substr(53, 2);
  return version == "00" && lower_hex(trace_id) && lower_hex(parent_id)
         && lower_hex(flags) && !all_zeros(trace_id) && !all_zeros(parent_id);
}

void set_traceparent(field_list& headers, std::string_view value) {
  headers.erase(
      std::remove_if(headers.begin(), headers.end(),
                     [](const field& f) { return iequals(f.name, "traceparent"); }),
      headers.end());
  headers.push_back({"traceparent", std::string{value}});
}

} // namespace alter
