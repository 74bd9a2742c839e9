#include "alter/backend/http/cookies.hpp"

namespace alter::backend {

std::string cookie_value(const server_request& req, std::string_view name) {
  const auto* cookies = find_field(req.headers, "cookie");
  if (cookies == nullptr)
    return {};
  std::string_view rest{*cookies};
  while (!rest.empty()) {
    auto semi = rest.find(';');
    auto item = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    if (item.size() > name.size() + 1 && item.substr(0, name.size()) == name
        && item[name.size()] == '=')
      return std::string{item.substr(name.size() + 1)};
  }
  return {};
}

} // namespace alter::backend
