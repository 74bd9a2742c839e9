#include "alter/backend/http/page_origin.hpp"

#include "alter/backend/http/html_page.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

/// "scheme://host:port" of an absolute URL, the default port spelled out (a
/// browser leaves it out, base_url never does), or empty.
std::string origin_of(std::string_view url) {
  auto parsed = net::parse_url(url);
  return parsed ? parsed->where.origin() : std::string{};
}

} // namespace

origin_verdict check_origin(const server_request& req, std::string_view own_origin) {
  std::string claimed;
  if (const auto* origin = find_field(req.headers, "origin");
      origin != nullptr && *origin != "null")
    claimed = origin_of(*origin);
  else if (const auto* referer = find_field(req.headers, "referer"))
    claimed = origin_of(*referer);
  if (claimed.empty())
    return origin_verdict::unknown_origin;
  return iequals(claimed, origin_of(own_origin)) ? origin_verdict::same_origin
                                                 : origin_verdict::cross_origin;
}

bool is_state_changing(std::string_view method) noexcept {
  return method != "GET" && method != "HEAD";
}

http_response cross_origin_refusal() {
  auto res
      = page(403, "Forbidden",
             std::string{"<p id=\"error\" data-error-code=\""} + cross_origin_error_code
                 + "\">This form was not sent from this site's own page. Open "
                   "the link again and use the form there.</p>");
  res.headers.push_back({"X-Alter-Error-Code", cross_origin_error_code});
  return res;
}

std::optional<http_response> cross_origin_form_refusal(const server_request& req,
                                                       std::string_view own_origin) {
  if (is_state_changing(req.method)
      && check_origin(req, own_origin) != origin_verdict::same_origin)
    return cross_origin_refusal();
  return std::nullopt;
}

} // namespace alter::backend
