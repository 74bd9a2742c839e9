// Internal to clients.cpp: the App and Agent calls besides provider calls and
// approvals: trace scopes, catalogs, grant management and identity. Every
// argument is checked before any I/O.
#pragma once

#include "alter/actors/client_calls.hpp"
#include "alter/auth/scope.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/validation.hpp"
#include "alter/net/url.hpp"

namespace alter::detail {

inline bool printable_id(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max && !has_control_characters(s)
         && s.find(' ') == std::string::npos;
}

// -- derived clients: trace scopes ----------------------------------------------------

/// The supervision of a sub-client whose settings `change` adjusts.
template <class Self, class Change>
std::shared_ptr<const supervision> derive_supervision(Self self, Change change) {
  auto settings = std::make_shared<client_settings>(self->state.settings());
  change(*settings);
  auto derived = std::make_shared<supervision>(*self->state.sup);
  derived->settings = std::move(settings);
  return derived;
}

template <class Self>
caf::expected<std::shared_ptr<const supervision>>
traced_supervision(Self self, const trace_fields& t) {
  if (self->state.closed)
    return closed_error();
  if (t.empty())
    return invalid("trace needs at least one of run_id, thread_id, tool_call_id or "
                   "an extra field");
  if (auto problem = trace_problem(t))
    return invalid(*problem);
  auto merged = merge(self->state.settings().trace, t);
  if (auto problem = trace_problem(merged))
    return invalid("nested trace scopes: " + *problem);
  return derive_supervision(self, [&](client_settings& s) {
    s.trace = merged;
    s.trace_header = encode_trace_extra(merged.extra);
  });
}

// -- catalogs -------------------------------------------------------------------------

constexpr auto provider_cache_ttl = std::chrono::minutes{5};

template <class Self>
caf::result<provider_catalog> on_providers(Self self, bool force_refresh) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  if (!force_refresh && st.providers
      && clock_type::now() - st.providers_at < provider_cache_ttl)
    return *st.providers;
  auto promise = self->template make_response_promise<provider_catalog>();
  begin_call(self);
  backend_call bc{"GET", "/v1/oauth/providers"};
  bc.timeout = st.settings().timeout;
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        auto catalog = read_backend_reply<provider_catalog>(reply, 200);
        if (!catalog)
          return finish(self, promise, std::move(catalog.error()));
        self->state.providers = *catalog;
        self->state.providers_at = clock_type::now();
        finish(self, promise, std::move(*catalog));
      },
      [=](caf::error& err) mutable { finish(self, promise, std::move(err)); });
  return promise;
}

// -- grants ---------------------------------------------------------------------------

inline std::optional<caf::error> bad_grant_policy(const grant_policy& p) {
  constexpr int64_t ten_years = int64_t{10} * 366 * 24 * 3600;
  if (p.max_ttl_seconds < 0 || p.default_ttl_seconds < 0
      || p.max_ttl_seconds > ten_years || p.default_ttl_seconds > ten_years)
    return invalid("grant_policy TTLs must be 0 to 10 years");
  if (p.max_ttl_seconds > 0 && p.default_ttl_seconds > p.max_ttl_seconds)
    return invalid("grant_policy.default_ttl_seconds must not exceed max_ttl_seconds");
  if (!p.expires_at.empty() && !is_iso8601_utc(p.expires_at))
    return invalid("grant_policy.expires_at must be an ISO 8601 UTC time such as "
                   "2026-12-31T23:59:59Z");
  return std::nullopt;
}

template <class Self>
caf::result<created_grant> on_create_grant(Self self, const managed_secret_grant& g) {
  if (!printable_id(g.managed_secret_id, 128))
    return invalid("managed_secret_id must be 1-128 printable characters");
  const auto& type = g.principal.type;
  if (type != "user" && type != "group" && type != "system" && type != "agent")
    return invalid("principal.type must be user, group, system or agent");
  if (self->state.settings().type == caller_type::agent && type != "agent")
    return invalid("an Agent can only grant itself (principal type agent)");
  if (type == "user" && g.principal.user_token.empty())
    return invalid("a user principal needs the user's user_token");
  if (type == "group" && !printable_id(g.principal.external_group_id, 256))
    return invalid("a group principal needs external_group_id");
  if (g.principal.label.size() > 128 || has_control_characters(g.principal.label))
    return invalid("principal.label must be at most 128 printable characters");
  if (auto e = bad_grant_policy(g.grant_policy))
    return std::move(*e);
  return send_model<created_grant>(self, "POST", "/v1/grants/managed-secret",
                                   to_json(g), 201);
}

template <class Self>
caf::result<revoked_grant> on_revoke_grant(Self self, const std::string& grant_id,
                                           const std::string& reason) {
  if (!is_uuid(grant_id))
    return invalid("grant_id must be a UUID");
  if (reason.size() > 500 || has_control_characters(reason))
    return invalid("reason must be at most 500 printable characters");
  field_list body{{"reason", reason}};
  return send_model<revoked_grant>(self, "POST", "/v1/grants/" + grant_id + "/revoke",
                                   fields_to_json(body), 200);
}

template <class Self>
caf::result<revoked_delegation>
on_revoke_delegation(Self self, const std::string& grant_id,
                     const std::string& agent_id, bool is_app) {
  if (!is_uuid(grant_id))
    return invalid("grant_id must be a UUID");
  if (is_app && !is_uuid(agent_id))
    return invalid("agent_id must be a UUID");
  if (!is_app && !agent_id.empty())
    return invalid("an Agent revokes only its own delegation: leave agent_id empty");
  auto path = "/v1/grants/" + grant_id
              + (is_app ? "/delegations/" + agent_id : std::string{"/delegation"});
  return send_model<revoked_delegation>(self, "DELETE", std::move(path), {}, 200);
}

inline std::optional<caf::error> bad_user_token(const std::string& token) {
  if (token.empty() || token.size() > 16384 || has_control_characters(token)
      || token.find(' ') != std::string::npos)
    return invalid("user_token must be a JWT (1-16384 printable characters)");
  return std::nullopt;
}

// -- Connect --------------------------------------------------------------------------

template <class Self>
caf::result<connect_session> on_connect_session(Self self, const connect_request& r) {
  for (const auto& p : r.allowed_providers)
    if (!printable_id(p, 128))
      return invalid("allowed_providers must be provider ids (1-128 printable "
                     "characters)");
  for (const auto* url : {&r.return_url, &r.allowed_origin})
    if (url->size() > 2048 || has_control_characters(*url))
      return invalid("return_url and allowed_origin must be at most 2048 printable "
                     "characters");
  if (!r.agent_id.empty() && !is_uuid(r.agent_id))
    return invalid("agent_id must be a UUID");
  if (!r.secret_provider.empty() && !printable_id(r.secret_provider, 128))
    return invalid(
        "secret_provider must be a provider id (1-128 printable characters)");
  if (fields_to_json(r.metadata).size() > 8192)
    return invalid("metadata must be at most 8 KiB as JSON");
  if (!r.user_token.empty())
    if (auto e = bad_user_token(r.user_token))
      return std::move(*e);
  if (auto e = bad_grant_policy(r.grant_policy))
    return std::move(*e);
  backend_call bc{"POST", "/v1/connect/sessions", to_json(r)};
  // The caller's end user, when the session names none itself.
  if (r.user_token.empty())
    bc.wants_user_token = user_token_use::delegation;
  return call_model<connect_session>(self, std::move(bc), 201,
                                     call_kind::non_idempotent);
}

// -- identity -------------------------------------------------------------------------

template <class T, class Self>
caf::result<T> post_token(Self self, const char* path, const std::string& token) {
  if (auto e = bad_user_token(token))
    return std::move(*e);
  field_list body{{"user_token", token}};
  // A lookup, not a change: safe to retry.
  backend_call bc{"POST", path, fields_to_json(body)};
  return call_model<T>(self, std::move(bc), 200, call_kind::idempotent);
}

} // namespace alter::detail
