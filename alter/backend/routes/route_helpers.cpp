#include "alter/backend/routes/route_helpers.hpp"

#include <charconv>

#include <boost/json.hpp>

#include "alter/net/url.hpp"

namespace alter::backend {

std::optional<int64_t> int_query(const std::string& target, const char* name,
                                 int64_t fallback) {
  auto text = net::query_param(target, name);
  if (!text)
    return fallback;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc{} || ptr != text->data() + text->size() || v < 0)
    return std::nullopt;
  return v;
}

std::optional<page_window> page_of(const api_call_ptr& call) {
  const auto& target = call->request.target;
  auto limit = int_query(target, "limit", 100);
  auto offset = int_query(target, "offset", 0);
  if (!limit || *limit < 1 || *limit > 1000 || !offset) {
    call->fail(make_error(error_code::invalid_request,
                          "limit must be 1-1000 and offset >= 0"));
    return std::nullopt;
  }
  return page_window{*limit, *offset};
}

bool bool_member(std::string_view json_body, const char* name) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json_body, ec);
  if (ec || !v.is_object())
    return false;
  const auto* m = v.get_object().if_contains(name);
  return m && m->is_bool() && m->get_bool();
}

} // namespace alter::backend
