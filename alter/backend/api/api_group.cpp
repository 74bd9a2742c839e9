#include "alter/backend/api/api_group.hpp"

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/authenticator.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/trace_fields.hpp"
#include "alter/messages/traceparent.hpp"
#include "alter/messages/validation.hpp"

namespace alter::backend {

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

/// Attribution ends up in audit rows: refused at the edge when it is not text.
bool attribution_is_text(const api_call_ptr& call) {
  for (auto name : {header::caller, header::caller_type, header::run_id,
                    header::thread_id, header::tool_call_id}) {
    const auto* value = find_field(call->request.headers, name);
    if (value != nullptr && !is_valid_attribution(*value)) {
      call->fail(make_error(error_code::invalid_attribution,
                            std::string{name}
                                + " must be at most 256 bytes of UTF-8 "
                                  "without control characters"));
      return false;
    }
  }
  return true;
}

bool authenticated(authenticator& auth, const api_call_ptr& call) {
  auto identity = auth.authenticate(call->request);
  if (!identity) {
    call->fail(from_caf_error(identity.error()));
    return false;
  }
  call->request.mark_authenticated();
  call->identity = std::move(*identity);
  return true;
}

/// W3C Trace Context: a traceparent that is not valid starts a new trace rather
/// than failing the call.
void take_traceparent(api_call& call) {
  const auto* t = find_field(call.request.headers, header::traceparent);
  call.traceparent = t != nullptr && is_valid_traceparent(*t)
                         ? *t
                         : fresh_traceparent(crypto::random_hex);
}

bool trace_decoded(const api_call_ptr& call) {
  take_traceparent(*call);
  const auto* t = find_field(call->request.headers, header::trace);
  if (t == nullptr)
    return true;
  auto extra = decode_trace_extra(*t);
  if (!extra) {
    call->fail(make_error(error_code::invalid_request,
                          "x-alter-trace must be base64url of a JSON object of "
                          "at most 16 trace fields"));
    return false;
  }
  if (!extra->empty())
    call->trace_json = fields_to_json(*extra);
  return true;
}

bool scope_held(const api_call_ptr& call) {
  const auto& r = *call->matched;
  if (r.scope.empty())
    return true;
  auto ok = r.key_scope_only ? set_implies(call->identity.key.scopes, r.scope)
                             : call->identity.permits(r.scope);
  if (ok)
    return true;
  auto name = std::string{r.scope};
  call->fail(make_error(error_code::insufficient_scope,
                        "the key's scopes do not cover " + name,
                        "{\"required_scope\":\"" + name + "\"}"));
  return false;
}

bool body_is_json(const api_call_ptr& call) {
  if (call->request.body.empty()
      || is_json_media_type(find_field(call->request.headers, "content-type")))
    return true;
  call->fail(make_error(error_code::unsupported_media_type,
                        "request bodies must be Content-Type: application/json"));
  return false;
}

bool agent_may_call(const api_call_ptr& call) {
  const auto& agent = call->identity.agent;
  if (!agent || agent->status != agent_status::inactive
      || call->matched->allows_inactive_agent)
    return true;
  call->fail(make_error(error_code::agent_inactive,
                        "the agent is paused; only me() is available"));
  return false;
}

} // namespace

route_group_spec api_group(authenticator& auth) {
  route_group_spec g;
  g.group = route_group::api;
  g.prefixes = {"/v1/"};
  g.before_routing = {attribution_is_text,
                      [&auth](const api_call_ptr& c) { return authenticated(auth, c); },
                      trace_decoded};
  g.no_route = [](const api_call_ptr& call, bool path_known) {
    call->fail(path_known ? make_error(error_code::method_not_allowed,
                                       "method not allowed on this path")
                          : make_error(error_code::not_found, "no such endpoint"));
  };
  g.after_routing = {scope_held, body_is_json, agent_may_call};
  g.fail = [](const api_call_ptr& call, alter_error e) { call->fail(std::move(e)); };
  return g;
}

} // namespace alter::backend
