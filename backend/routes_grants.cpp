#include "backend/routes.hpp"

#include <charconv>

#include "auth/scope.hpp"
#include "backend/grant_access.hpp"
#include "messages/json_codec.hpp"
#include "net/url.hpp"

namespace alter::backend {

namespace {

/// A non-negative integer query parameter, or `fallback` when absent.
std::optional<int64_t> int_param(const std::string& target, const char* name,
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

} // namespace

void add_grant_routes(api_router& router, backend_context& ctx) {
  route list;
  list.method = "GET";
  list.pattern = "/v1/grants";
  list.required_scope = std::string{scopes::grants_read};
  list.handler = [&ctx](const api_call_ptr& call) {
    const auto& target = call->request.target;
    auto limit = int_param(target, "limit", 100);
    auto offset = int_param(target, "offset", 0);
    if (!limit || *limit < 1 || *limit > 1000 || !offset)
      return call->fail(make_error(error_code::invalid_request,
                                   "limit must be 1-1000 and offset >= 0"));
    auto filter = usable_by(call->identity);
    filter.provider_id = net::query_param(target, "provider_id").value_or("");
    grant_list out;
    auto rows = ctx.db.list_grants(filter, *limit, *offset, out.total);
    for (const auto& g : rows)
      out.grants.push_back(to_grant_item(ctx.db, g));
    out.limit = *limit;
    out.offset = *offset;
    out.has_more = *offset + static_cast<int64_t>(rows.size()) < out.total;
    call->reply(200, to_json(out));
  };
  router.add(std::move(list));
}

} // namespace alter::backend
