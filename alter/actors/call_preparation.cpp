#include "alter/actors/call_preparation.hpp"

#include <algorithm>
#include <cmath>

#include "alter/messages/http_method.hpp"

namespace alter {

caf::expected<call_plan> plan_call(const provider_call& call,
                                   const client_settings& settings) {
  call_plan plan;
  auto method = http_method::parse(call.method);
  if (!method)
    return to_caf_error(error_code::invalid_argument,
                        "method must be one of " + std::string{http_method_names()}
                            + "; got '" + call.method.substr(0, 16) + "'");
  plan.method = method->name();
  if (call.grant_id.empty() == call.provider.empty())
    return to_caf_error(error_code::invalid_argument,
                        "exactly one of grant_id and provider must be given");
  if (!call.grant_id.empty() && !is_uuid(call.grant_id))
    return to_caf_error(error_code::invalid_argument, "grant_id must be a UUID");
  if (!call.json.empty() && !call.body.empty())
    return to_caf_error(error_code::invalid_argument, "give json or body, not both");
  if (call.timeout < 0 || !std::isfinite(call.timeout))
    return to_caf_error(error_code::invalid_argument,
                        "timeout must be a positive number of seconds");
  std::string why;
  auto filled = net::fill_path_params(call.url, call.path_params, &why);
  if (!filled)
    return to_caf_error(error_code::invalid_argument, why);
  plan.url = net::append_query(std::move(*filled), call.query_params);
  auto target = net::parse_url(plan.url, &why);
  if (!target)
    return to_caf_error(error_code::invalid_argument, "url is not usable: " + why);
  plan.target = std::move(*target);
  plan.target.where.tls = settings.tls;
  for (const auto& h : call.headers) {
    if (h.name.empty() || has_control_characters(h.name)
        || has_control_characters(h.value))
      return to_caf_error(error_code::invalid_argument,
                          "header '" + h.name.substr(0, 64)
                              + "' has an empty name or a control character");
    if (is_credential_header(h.name))
      return to_caf_error(error_code::invalid_argument,
                          "header '" + h.name
                              + "' carries credentials; Alter injects them itself");
    if (h.name.size() >= 8 && iequals(h.name.substr(0, 8), "x-alter-"))
      return to_caf_error(error_code::invalid_argument,
                          "header '" + h.name + "' is reserved for Alter");
  }
  plan.headers = call.headers;
  if (!call.json.empty()) {
    plan.body = call.json;
    if (find_field(plan.headers, "content-type") == nullptr)
      plan.headers.push_back({"Content-Type", "application/json"});
  } else {
    plan.body = call.body;
  }
  plan.grant = {call.grant_id, call.provider, call.account, call.label};
  // The client's getter or source fills in the JWT when the call is sent
  // (call_backend), so a source answering late never blocks planning.
  plan.user_token = call.user_token;
  bool has_user = !plan.user_token.empty() || settings.user_token_getter
                  || settings.user_token_source;
  if (!has_user && needs_user_token(settings, {call.grant_id, call.provider, {}, {}}))
    return to_caf_error(error_code::invalid_argument,
                        "provider= resolves the grant through an end-user JWT: pass "
                        "user_token or configure user_token_getter");
  if (has_control_characters(plan.user_token))
    return to_caf_error(error_code::invalid_argument,
                        "user_token has a control character");
  for (const auto& c : call.context)
    if (has_control_characters(c.name) || has_control_characters(c.value))
      return to_caf_error(error_code::invalid_argument,
                          "context entry '" + c.name.substr(0, 64)
                              + "' has a control character");
  plan.reason = call.reason;
  plan.context = call.context;
  plan.timeout = call.timeout > 0 ? std::chrono::milliseconds{static_cast<int64_t>(
                     std::llround(call.timeout * 1000))}
                                  : settings.timeout;
  return plan;
}

bool needs_user_token(const client_settings& settings, const grant_selector& grant) {
  return !grant.provider.empty() && settings.type != caller_type::agent;
}

} // namespace alter
