#include "backend/api/api_router.hpp"

#include "auth/crypto.hpp"
#include "auth/request_signing.hpp"
#include "auth/scope.hpp"
#include "messages/json_codec.hpp"
#include "messages/trace_fields.hpp"
#include "messages/validation.hpp"
#include "net/url.hpp"

namespace alter::backend {

void api_call::reply(int status, std::string json_body, field_list extra_headers) {
  http_response res;
  res.status = status;
  res.headers.push_back({"Content-Type", "application/json"});
  // Answers carry credentials: never cached, never sniffed into something else.
  res.headers.push_back({"Cache-Control", "no-store"});
  res.headers.push_back({"X-Content-Type-Options", "nosniff"});
  res.headers.push_back({std::string{header::request_id}, request_id});
  if (identity.key_deprecated())
    res.headers.push_back({std::string{header::key_deprecated}, "true"});
  // Who the backend took the caller to be: the acting agent, else the app.
  if (!identity.key.id.empty())
    res.headers.push_back({std::string{header::actor_id},
                           identity.agent ? identity.agent->id : identity.key.app_id});
  for (auto& h : extra_headers)
    res.headers.push_back(std::move(h));
  res.body = std::move(json_body);
  respond(std::move(res));
}

void api_call::fail(alter_error e) {
  e.request_id = request_id;
  auto status = http_status_of(e.code);
  field_list extra;
  if (e.retry_after_ms > 0) // whole seconds, rounded up: never earlier than meant
    extra.push_back({"Retry-After", std::to_string((e.retry_after_ms + 999) / 1000)});
  reply(status == 0 ? 500 : status, error_envelope(e), std::move(extra));
}

int64_t api_call::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - started)
      .count();
}

namespace {

/// "application/json", with or without parameters such as charset.
bool is_json_media_type(const std::string* content_type) {
  if (content_type == nullptr)
    return false;
  std::string_view type{*content_type};
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  return iequals(type, "application/json");
}

} // namespace

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/'
        || path.front() != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pseg = pattern.substr(0, pattern.find('/'));
    auto seg = path.substr(0, path.find('/'));
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (seg.empty())
        return false;
      auto decoded = net::percent_decode(seg);
      if (!decoded)
        return false;
      params[std::string{pseg.substr(1, pseg.size() - 2)}] = std::move(*decoded);
    } else if (pseg != seg) {
      return false;
    }
    pattern.remove_prefix(pseg.size());
    path.remove_prefix(seg.size());
  }
  return true;
}

void api_router::add(route r) {
  routes_.push_back(std::move(r));
}

void api_router::handle(server_request req, responder respond) {
  auto call = std::make_shared<api_call>();
  call->request_id = "req_" + crypto::random_hex(8);
  call->respond = std::move(respond);
  // Attribution ends up in audit rows: refused at the edge when it is not text.
  for (auto name : {header::caller, header::caller_type, header::run_id,
                    header::thread_id, header::tool_call_id}) {
    const auto* value = find_field(req.headers, name);
    if (value != nullptr && !is_valid_attribution(*value))
      return call->fail(make_error(error_code::invalid_attribution,
                                   std::string{name}
                                       + " must be at most 256 bytes of UTF-8 "
                                         "without control characters"));
  }
  auto identity = auth_.authenticate(req);
  if (!identity)
    return call->fail(from_caf_error(identity.error()));
  req.mark_authenticated();
  call->identity = std::move(*identity);
  call->request = std::move(req);
  if (const auto* t = find_field(call->request.headers, header::trace)) {
    auto extra = decode_trace_extra(*t);
    if (!extra)
      return call->fail(
          make_error(error_code::invalid_request,
                     "x-alter-trace must be base64url of a JSON object of "
                     "at most 16 trace fields"));
    if (!extra->empty())
      call->trace_json = fields_to_json(*extra);
  }
  auto path = net::path_of(call->request.target);
  const route* found = nullptr;
  bool path_known = false;
  for (const auto& r : routes_) {
    if (!match_pattern(r.pattern, path, call->params))
      continue;
    path_known = true;
    if (r.method == call->request.method) {
      found = &r;
      break;
    }
  }
  if (found == nullptr)
    return call->fail(path_known
                          ? make_error(error_code::method_not_allowed,
                                       "method not allowed on this path")
                          : make_error(error_code::not_found, "no such endpoint"));
  auto scope_ok = found->key_scope_only
                      ? set_implies(call->identity.key.scopes, found->required_scope)
                      : call->identity.permits(found->required_scope);
  if (!found->required_scope.empty() && !scope_ok)
    return call->fail(
        make_error(error_code::insufficient_scope,
                   "the key's scopes do not cover " + found->required_scope,
                   "{\"required_scope\":\"" + found->required_scope + "\"}"));
  if (!call->request.body.empty()
      && !is_json_media_type(find_field(call->request.headers, "content-type")))
    return call->fail(
        make_error(error_code::unsupported_media_type,
                   "request bodies must be Content-Type: application/json"));
  const auto& agent = call->identity.agent;
  if (agent && agent->status == "inactive" && !found->allows_inactive_agent)
    return call->fail(make_error(error_code::agent_inactive,
                                 "the agent is paused; only me() is available"));
  // A handler that throws (the store failing, say) must not take the I/O
  // thread, and with it the server, down.
  try {
    found->handler(call);
  } catch (const std::exception&) {
    call->fail(
        make_error(error_code::internal_error, "the request could not be handled"));
  }
}

} // namespace alter::backend
