#include "alter/auth/scope.hpp"

namespace alter {

namespace {

bool is_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

/// 1, 2, 3 for read, write, admin; 0 for an action verb.
int crud_rank(std::string_view verb) noexcept {
  if (verb == "read")
    return 1;
  if (verb == "write")
    return 2;
  if (verb == "admin")
    return 3;
  return 0;
}

} // namespace

std::string scope::to_string() const {
  auto out = resource + ":" + verb;
  if (!instance.empty())
    out += ":" + instance;
  return out;
}

std::optional<scope> parse_scope(std::string_view text) {
  scope s;
  auto first = text.find(':');
  if (first == std::string_view::npos)
    return std::nullopt;
  s.resource = std::string{text.substr(0, first)};
  auto rest = text.substr(first + 1);
  auto second = rest.find(':');
  s.verb = std::string{rest.substr(0, second)};
  if (second != std::string_view::npos) {
    s.instance = std::string{rest.substr(second + 1)};
    if (!is_name(s.instance))
      return std::nullopt;
  }
  if (!(is_name(s.resource) || s.resource == "*") || !is_name(s.verb))
    return std::nullopt;
  // A wildcard resource only combines with CRUD verbs, without an instance.
  if (s.resource == "*" && (crud_rank(s.verb) == 0 || !s.instance.empty()))
    return std::nullopt;
  return s;
}

bool implies(const scope& granted, const scope& required) noexcept {
  auto g = crud_rank(granted.verb);
  auto r = crud_rank(required.verb);
  if (g == 0 || r == 0) // action verbs: exact match only
    return granted.resource == required.resource && granted.verb == required.verb
           && (granted.instance.empty() || granted.instance == required.instance);
  if (granted.resource != "*" && granted.resource != required.resource)
    return false;
  if (!granted.instance.empty() && granted.instance != required.instance)
    return false;
  return g >= r;
}

bool set_implies(const std::vector<std::string>& granted, std::string_view required) {
  auto req = parse_scope(required);
  if (!req)
    return false;
  for (const auto& text : granted)
    if (auto g = parse_scope(text); g && implies(*g, *req))
      return true;
  return false;
}

bool set_implies_all(const std::vector<std::string>& wider,
                     const std::vector<std::string>& narrower) {
  for (const auto& s : narrower)
    if (!set_implies(wider, s))
      return false;
  return true;
}

} // namespace alter
