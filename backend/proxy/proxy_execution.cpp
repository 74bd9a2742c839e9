#include "backend/proxy/proxy_execution.hpp"

#include <algorithm>
#include <string_view>

#include "auth/crypto.hpp"
#include "auth/request_signing.hpp"
#include "backend/access/grant_access.hpp"
#include "backend/api/request_executor.hpp"
#include "messages/base64.hpp"
#include "messages/validation.hpp"
#include "net/credential_injection.hpp"
#include "net/url.hpp"

namespace alter::backend {

namespace {

constexpr std::string_view methods[]
    = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
constexpr std::string_view credential_headers[]
    = {"authorization", "cookie", "x-api-key", "x-amz-security-token"};
constexpr std::string_view hop_by_hop[]
    = {"connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"};

/// True when `url` lies under the provider's base URL, with no dot segments.
bool url_allowed(const std::string& url, const std::string& base) {
  if (url.compare(0, base.size(), base) != 0)
    return false;
  if (url.size() > base.size() && base.back() != '/' && url[base.size()] != '/'
      && url[base.size()] != '?')
    return false;
  auto parsed = net::parse_url(url);
  if (!parsed)
    return false;
  auto path = net::path_of(parsed->target);
  while (!path.empty()) {
    path.remove_prefix(1);
    auto seg = path.substr(0, path.find('/'));
    auto decoded = net::percent_decode(seg).value_or("..");
    if (decoded == "." || decoded == "..")
      return false;
    path.remove_prefix(seg.size());
  }
  return true;
}

alter_error invalid(std::string message) {
  return make_error(error_code::invalid_request, std::move(message));
}

} // namespace

std::variant<checked_proxy_request, alter_error>
check_proxy_request(store& db, const proxy_request& req, const grant_record& grant) {
  if (std::find(std::begin(methods), std::end(methods), req.method)
      == std::end(methods))
    return invalid(
        "method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
  for (const auto& h : req.headers) {
    for (auto forbidden : credential_headers)
      if (iequals(h.name, forbidden))
        return make_error(error_code::forbidden_header,
                          "header '" + h.name
                              + "' carries credentials; Alter injects them itself");
    if (h.name.empty() || has_control_characters(h.name)
        || has_control_characters(h.value))
      return invalid("a header has an empty name or a control character");
  }
  auto body = base64_decode(req.body_b64);
  if (!body)
    return invalid("body_b64 is not valid base64");
  auto url = net::parse_url(req.url);
  if (!url)
    return invalid("url is not an absolute http(s) URL");
  auto provider = db.grants().find_provider(grant.provider_id);
  if (!provider || !url_allowed(req.url, provider->base_url))
    return make_error(error_code::url_not_allowed,
                      "the URL is outside the provider's base URL");
  return checked_proxy_request{std::move(*body), std::move(*url)};
}

std::string upstream_idempotency_key(const std::string& app_id,
                                     const std::string& key) {
  return "alter-" + crypto::sha256_hex(app_id + "\n" + key).substr(0, 40);
}

void call_provider(backend_context& ctx, const grant_record& grant,
                   const proxy_request& req, const std::string& idempotency_key,
                   std::function<void(provider_outcome)> done) {
  auto checked = check_proxy_request(ctx.db, req, grant);
  if (auto* problem = std::get_if<alter_error>(&checked)) {
    provider_outcome refused;
    refused.error = std::move(*problem);
    return done(std::move(refused));
  }
  call_provider(ctx, grant, req, std::get<checked_proxy_request>(std::move(checked)),
                idempotency_key, std::move(done));
}

void call_provider(backend_context& ctx, const grant_record& grant,
                   const proxy_request& req, checked_proxy_request checked,
                   const std::string& idempotency_key,
                   std::function<void(provider_outcome)> done) {
  provider_outcome refused;
  auto token = credential_of(ctx.db, grant);
  if (!token) {
    refused.error = from_caf_error(token.error());
    return done(std::move(refused));
  }
  auto where = std::move(checked.url.where);
  http_request base{req.method, std::move(checked.url.target), req.headers,
                    std::move(checked.body), 0};
  if (!idempotency_key.empty() && !find_field(base.headers, header::idempotency_key))
    base.headers.push_back({std::string{header::idempotency_key}, idempotency_key});
  auto upstream = net::inject_credential(std::move(base), *token);
  if (!upstream) {
    refused.error = from_caf_error(upstream.error());
    return done(std::move(refused));
  }
  auto max_body = ctx.max_proxy_body;
  auto answered = [max_body, done = std::move(done)](net::exchange_outcome out) {
    provider_outcome answer;
    answer.request_sent = out.request_sent;
    if (!out.ok) {
      auto code = out.error.code == error_code::timeout
                      ? error_code::upstream_timeout
                      : error_code::upstream_unreachable;
      answer.error
          = make_error(code, "the provider could not be reached: " + out.error.message);
      return done(std::move(answer));
    }
    answer.ok = true;
    answer.result.status_code = out.response.status;
    for (auto& h : out.response.headers)
      if (std::none_of(std::begin(hop_by_hop), std::end(hop_by_hop),
                       [&](std::string_view x) { return iequals(h.name, x); }))
        answer.result.headers.push_back(std::move(h));
    auto& raw = out.response.body;
    if (raw.size() > max_body) {
      raw.resize(max_body);
      answer.result.body_truncated = true;
    }
    answer.result.body_b64 = base64_encode(raw);
    done(std::move(answer));
  };
  // The answer arrives on an I/O thread; what follows encodes the body and
  // writes the store, so it runs on a worker.
  auto* workers = ctx.workers;
  ctx.upstream.exchange(std::move(where), std::move(*upstream), ctx.upstream_timeout,
                        [workers, answered](net::exchange_outcome out) {
                          if (workers == nullptr)
                            return answered(std::move(out));
                          workers->post([answered, out = std::move(out)]() mutable {
                            answered(std::move(out));
                          });
                        });
}

} // namespace alter::backend
