#include "alter/messages/error_code.hpp"

#include <array>

namespace alter {

namespace {

struct class_row {
  std::string_view name;
  error_class parent;
};

constexpr class_row class_table[] = {
#define ALTER_X(name, parent) {#name, error_class::parent},
    ALTER_ERROR_CLASSES(ALTER_X)
#undef ALTER_X
};

struct code_row {
  std::string_view name;
  int status;
  error_class cls;
};

constexpr code_row code_table[] = {
#define ALTER_X(name, status, cls) {#name, status, error_class::cls},
    ALTER_ERROR_CODES(ALTER_X)
#undef ALTER_X
};

constexpr error_code code_list[] = {
#define ALTER_X(name, status, cls) error_code::name,
    ALTER_ERROR_CODES(ALTER_X)
#undef ALTER_X
};

constexpr auto index(error_class c) {
  return static_cast<std::size_t>(c);
}

constexpr auto index(error_code c) {
  return static_cast<std::size_t>(c);
}

} // namespace

std::string_view name_of(error_class c) noexcept {
  return class_table[index(c)].name;
}

error_class parent_of(error_class c) noexcept {
  return class_table[index(c)].parent;
}

bool is_a(error_class c, error_class ancestor) noexcept {
  for (;;) {
    if (c == ancestor)
      return true;
    auto up = parent_of(c);
    if (up == c)
      return false;
    c = up;
  }
}

std::string_view name_of(error_code c) noexcept {
  return code_table[index(c)].name;
}

std::optional<error_code> parse_error_code(std::string_view name) noexcept {
  for (auto c : code_list)
    if (code_table[index(c)].name == name)
      return c;
  return std::nullopt;
}

int http_status_of(error_code c) noexcept {
  return code_table[index(c)].status;
}

error_class class_of(error_code c) noexcept {
  return code_table[index(c)].cls;
}

const error_code* all_error_codes(std::size_t& count) noexcept {
  count = std::size(code_list);
  return code_list;
}

} // namespace alter
