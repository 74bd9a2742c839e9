#include "alter/backend/proxy/proxy_execution.hpp"

#include <algorithm>
#include <string_view>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/api/request_executor.hpp"
#include "alter/backend/oauth/grant_credential.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/http_method.hpp"
#include "alter/messages/traceparent.hpp"
#include "alter/messages/validation.hpp"
#include "alter/net/credential_injection.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

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
  // The wire spells methods in upper case (the SDK canonicalises them).
  auto method = http_method::parse(req.method);
  if (!method || method->name() != req.method)
    return invalid("method must be one of " + std::string{http_method_names()});
  for (const auto& h : req.headers) {
    if (is_credential_header(h.name))
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
                   const std::string& traceparent,
                   std::function<void(provider_outcome)> done) {
  auto checked = check_proxy_request(ctx.db, req, grant);
  if (auto* problem = std::get_if<alter_error>(&checked)) {
    provider_outcome refused;
    refused.error = std::move(*problem);
    return done(std::move(refused));
  }
  call_provider(ctx, grant, req, std::get<checked_proxy_request>(std::move(checked)),
                idempotency_key, traceparent, std::move(done));
}

namespace {

/// One proxied call on its way to the provider: kept so that an OAuth grant's
/// 401 can be answered by one refresh and one more try.
struct upstream_call {
  backend_context& ctx;
  grant_record grant;
  net::endpoint where;
  http_request request;
  std::function<void(provider_outcome)> done;
  bool retried = false;
};

provider_outcome to_outcome(net::exchange_outcome out, std::size_t max_body) {
  provider_outcome answer;
  answer.request_sent = out.request_sent;
  if (!out.ok) {
    auto code = out.error.code == error_code::timeout
                    ? error_code::upstream_timeout
                    : error_code::upstream_unreachable;
    answer.error
        = make_error(code, "the provider could not be reached: " + out.error.message);
    return answer;
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
  return answer;
}

alter_error scope_reauth_error(const grant_record& g,
                               const std::vector<std::string>& missing) {
  boost::json::array scopes;
  for (const auto& s : missing)
    scopes.emplace_back(s);
  boost::json::object details{{"grant_id", g.id},
                              {"provider_id", g.provider_id},
                              {"missing_scopes", std::move(scopes)}};
  return make_error(error_code::scope_reauth_required,
                    "the provider requires scopes this grant was not given: the "
                    "user must connect again",
                    boost::json::serialize(details));
}

void send(const std::shared_ptr<upstream_call>& call, std::string refused_token) {
  credential_for(
      call->ctx, call->grant, std::move(refused_token),
      [call](caf::expected<token_response> token) {
        if (!token) {
          provider_outcome refused;
          refused.error = from_caf_error(token.error());
          return call->done(std::move(refused));
        }
        // Only an OAuth grant may go twice; its request is copied for that.
        bool may_retry = holds_oauth_tokens(call->grant) && !call->retried;
        auto upstream = net::inject_credential(
            may_retry ? call->request : std::move(call->request), *token);
        if (!upstream) {
          provider_outcome refused;
          refused.error = from_caf_error(upstream.error());
          return call->done(std::move(refused));
        }
        auto used = may_retry ? std::move(token->access_token) : std::string{};
        auto& ctx = call->ctx;
        auto* workers = ctx.workers;
        auto answered = [call, may_retry, used = std::move(used),
                         missing = std::move(token->missing_scopes)](
                            net::exchange_outcome out) mutable {
          // A 401 to a token the backend believed valid: the provider revoked
          // or expired it early. One refresh, one more try, never a loop.
          if (may_retry && out.ok && out.response.status == 401) {
            call->retried = true;
            return send(call, std::move(used));
          }
          auto outcome = to_outcome(std::move(out), call->ctx.max_proxy_body);
          // The provider refuses a grant that lacks scopes it now requires:
          // only a new consent helps, and the caller is told so.
          if (outcome.ok && !missing.empty() && outcome.result.status_code == 403) {
            outcome.ok = false;
            outcome.error = scope_reauth_error(call->grant, missing);
          }
          call->done(std::move(outcome));
        };
        // The answer arrives on an I/O thread; what follows encodes the body
        // and writes the store, so it runs on a worker.
        ctx.upstream.exchange(call->where, std::move(*upstream), ctx.upstream_timeout,
                              [workers, answered](net::exchange_outcome out) mutable {
                                if (workers == nullptr)
                                  return answered(std::move(out));
                                workers->post(
                                    [answered, out = std::move(out)]() mutable {
                                      answered(std::move(out));
                                    });
                              });
      });
}

} // namespace

void call_provider(backend_context& ctx, const grant_record& grant,
                   const proxy_request& req, checked_proxy_request checked,
                   const std::string& idempotency_key, const std::string& traceparent,
                   std::function<void(provider_outcome)> done) {
  http_request base{req.method, std::move(checked.url.target), req.headers,
                    std::move(checked.body), 0};
  if (!idempotency_key.empty() && !find_field(base.headers, header::idempotency_key))
    base.headers.push_back({std::string{header::idempotency_key}, idempotency_key});
  // Bytes stored by an older or hostile writer never become a header.
  if (is_valid_traceparent(traceparent))
    set_traceparent(base.headers, traceparent);
  send(std::make_shared<upstream_call>(upstream_call{
           ctx, grant, std::move(checked.url.where), std::move(base), std::move(done)}),
       {});
}

} // namespace alter::backend
