#include "alter/backend/oauth/token_endpoint.hpp"

#include <boost/json.hpp>

#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

constexpr std::size_t max_token_bytes = 8192;
constexpr int64_t max_expires_in = int64_t{366} * 24 * 3600;

std::string form_encode(const field_list& form) {
  std::string out;
  for (const auto& f : form) {
    if (!out.empty())
      out += '&';
    out += net::percent_encode(f.name);
    out += '=';
    out += net::percent_encode(f.value);
  }
  return out;
}

token_answer failed(token_outcome outcome, std::string problem) {
  token_answer out;
  out.outcome = outcome;
  out.problem = std::move(problem);
  return out;
}

/// An OAuth error code is a short token of printable ASCII (RFC 6749 A.7);
/// anything else is not repeated.
std::string error_code_of(const boost::json::object& o) {
  const auto* e = o.if_contains("error");
  if (e == nullptr || !e->is_string())
    return "no error code";
  std::string code{e->get_string()};
  bool plain = !code.empty() && code.size() <= 64;
  for (char c : code)
    plain = plain && (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
  return plain ? code : "an unreadable error code";
}

} // namespace

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto space = text.find(' ');
    auto part = text.substr(0, space);
    if (!part.empty() && out.size() < 64)
      out.emplace_back(part);
    if (space == std::string_view::npos)
      break;
    text.remove_prefix(space + 1);
  }
  return out;
}

token_answer read_token_answer(int status, const std::string& body) {
  if (status >= 500)
    return failed(token_outcome::unavailable,
                  "the token endpoint answered " + std::to_string(status));
  boost::system::error_code ec;
  auto parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object())
    return failed(status == 200 ? token_outcome::refused : token_outcome::unavailable,
                  "the token endpoint's answer is not a JSON object");
  const auto& o = parsed.get_object();
  if (status != 200) {
    auto code = error_code_of(o);
    return failed(code == "invalid_grant" ? token_outcome::invalid_grant
                                          : token_outcome::refused,
                  code);
  }
  auto text = [&](const char* key) -> std::optional<std::string> {
    const auto* v = o.if_contains(key);
    if (v == nullptr)
      return std::string{};
    if (!v->is_string() || v->get_string().size() > max_token_bytes)
      return std::nullopt;
    return std::string{v->get_string()};
  };
  auto access = text("access_token");
  auto refresh = text("refresh_token");
  auto type = text("token_type");
  auto scope = text("scope");
  if (!access || access->empty() || !refresh || !type || !scope)
    return failed(token_outcome::refused, "the token endpoint's answer lacks a token");
  if (!type->empty() && type != "Bearer" && type != "bearer")
    return failed(token_outcome::refused, "the token type is not Bearer");
  int64_t expires_in = 3600;
  if (const auto* e = o.if_contains("expires_in")) {
    if (!e->is_int64() || e->get_int64() < 1 || e->get_int64() > max_expires_in)
      return failed(token_outcome::refused, "expires_in is not 1 s to a year");
    expires_in = e->get_int64();
  }
  token_answer out;
  out.outcome = token_outcome::granted;
  out.access_token = std::move(*access);
  out.refresh_token = std::move(*refresh);
  out.expires_in = std::chrono::seconds{expires_in};
  out.scopes = split_scopes(*scope);
  return out;
}

void request_tokens(upstream_client& http, const provider_record& provider,
                    field_list form, std::chrono::milliseconds timeout,
                    std::function<void(token_answer)> done) {
  auto where = net::parse_url(provider.oauth_token_url);
  if (!where)
    return done(failed(token_outcome::refused, "the provider's token URL is invalid"));
  form.push_back({"client_id", provider.oauth_client_id});
  form.push_back({"client_secret", provider.oauth_client_secret});
  http_request req{"POST",
                   std::move(where->target),
                   {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"Accept", "application/json"}},
                   form_encode(form),
                   0};
  http.exchange(std::move(where->where), std::move(req), timeout,
                [done = std::move(done)](const net::exchange_outcome& out) {
                  if (!out.ok)
                    return done(failed(token_outcome::unavailable,
                                       "the token endpoint could not be reached"));
                  done(read_token_answer(out.response.status, out.response.body));
                });
}

} // namespace alter::backend
