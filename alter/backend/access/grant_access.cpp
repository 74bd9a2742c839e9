#include "alter/backend/access/grant_access.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alter/backend/access/liveness.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/validation.hpp"

namespace alter::backend {

namespace {

caf::expected<grant_record> check_state_impl(grant_record g) {
  auto unusable = grant_unusable(g, std::chrono::system_clock::now());
  if (unusable == error_code::grant_revoked)
    return to_caf_error(error_code::grant_revoked, "the grant has been revoked");
  if (unusable)
    return to_caf_error(error_code::grant_expired, "the grant has expired");
  return g;
}

/// no_delegated_grant with what a Connect session needs to give the agent
/// an access path (create_connect_session_for_error): the provider and the agent.
caf::error no_path(const agent_record& agent, const std::string& provider_id,
                   std::string message) {
  boost::json::object details{{"provider_id", provider_id.substr(0, 128)},
                              {"agent_id", agent.id}};
  return to_caf_error(make_error(error_code::no_delegated_grant, std::move(message),
                                 boost::json::serialize(details)));
}

} // namespace

bool may_use(store& db, const caller_identity& caller, const grant_record& g) {
  if (g.app_id != caller.app_id())
    return false;
  if (caller.agent)
    return (g.principal_type == principal_type::agent && g.agent_id == caller.agent->id)
           || db.grants().is_delegated(g.id, caller.agent->id);
  if (caller.user)
    return g.principal_type == principal_type::user
           && g.principal_id == caller.user->id;
  return g.principal_type != principal_type::agent;
}

caf::expected<grant_record> check_grant_state(grant_record g) {
  return check_state_impl(std::move(g));
}

grant_filter usable_by(const caller_identity& caller) {
  grant_filter f;
  f.app_id = caller.app_id();
  if (caller.agent)
    f.agent_id = caller.agent->id;
  else if (caller.user)
    f.user_id = caller.user->id;
  return f;
}

caf::expected<grant_record> resolve_grant(store& db, const caller_identity& caller,
                                          const grant_selector& selector) {
  if (selector.grant_id.empty() == selector.provider.empty())
    return to_caf_error(error_code::invalid_request,
                        "exactly one of grant_id and provider must be given");
  if (!selector.grant_id.empty()) {
    auto g = db.grants().find(selector.grant_id);
    if (!g || g->app_id != caller.app_id())
      return to_caf_error(error_code::grant_not_found, "no grant with that id");
    if (!may_use(db, caller, *g))
      return caller.agent ? no_path(*caller.agent, g->provider_id,
                                    "the agent has no access path to this grant")
                          : to_caf_error(error_code::grant_not_found,
                                         "no grant with that id for this caller");
    return check_state_impl(std::move(*g));
  }
  auto filter = usable_by(caller);
  filter.provider_id = selector.provider;
  filter.account = selector.account;
  filter.label = selector.label;
  int64_t total = 0;
  auto found = db.grants().list(filter, 11, 0, total);
  if (found.empty())
    return caller.agent
               ? no_path(*caller.agent, selector.provider,
                         "the agent has no grant for provider " + selector.provider)
               : to_caf_error(error_code::grant_not_found,
                              "no grant for provider " + selector.provider);
  if (found.size() > 1 && caller.agent && caller.delegating_user) {
    // Several users delegated this provider to the agent: the call's user (an
    // Agent's user_token_getter) picks among their delegations, never beyond.
    filter.user_id = caller.delegating_user->id;
    found = db.grants().list(filter, 11, 0, total);
    if (found.empty())
      return no_path(*caller.agent, selector.provider,
                     "no grant for provider " + selector.provider
                         + " is delegated to the agent by the call's user");
  }
  if (found.size() > 1) {
    boost::json::array candidates;
    for (const auto& g : found) {
      boost::json::object c;
      c["grant_id"] = g.id;
      c["account_identifier"] = g.account_identifier;
      c["label"] = g.label;
      candidates.push_back(std::move(c));
    }
    boost::json::object details;
    details["candidates"] = std::move(candidates);
    return to_caf_error(make_error(error_code::ambiguous_grant,
                                   std::to_string(total) + " grants match provider "
                                       + selector.provider + "; pass account or label",
                                   boost::json::serialize(details)));
  }
  return check_state_impl(std::move(found.front()));
}

caf::expected<token_response> credential_of(store& db, const grant_record& grant) {
  auto secret = db.secrets().find(grant.managed_secret_id);
  if (!secret)
    return to_caf_error(error_code::credential_revoked,
                        "the grant's credential no longer exists");
  auto t = token_from_secret(*secret);
  t.grant_id = grant.id;
  t.provider_id = grant.provider_id;
  t.scopes = grant.scopes;
  t.expires_at = grant.expires_at;
  return t;
}

token_response token_from_secret(const secret_record& secret) {
  token_response t;
  t.access_token = secret.value;
  t.provider_id = secret.provider_id;
  t.injection_header = secret.injection_header;
  t.injection_format = secret.injection_format;
  auto space = t.injection_format.find(' ');
  t.token_type = space == std::string::npos ? "" : t.injection_format.substr(0, space);
  t.additional_credentials = fields_from_json(secret.additional_credentials_json);
  boost::system::error_code ec;
  auto injections = boost::json::parse(secret.additional_injections_json, ec);
  if (!ec && injections.is_array())
    for (const auto& v : injections.get_array()) {
      if (!v.is_object())
        continue;
      const auto& o = v.get_object();
      auto text = [&](const char* k) {
        const auto* x = o.if_contains(k);
        return x && x->is_string() ? std::string{x->get_string()} : std::string{};
      };
      t.additional_injections.push_back(
          {text("target"), text("key"), text("value_source")});
    }
  return t;
}

std::vector<std::string>
missing_required_scopes(store& db, const grant_record& g,
                        const std::vector<std::string>& granted) {
  std::vector<std::string> out;
  // Only a consent can give a grant more scopes: a managed secret's grant is
  // never "mismatched", and its calls spend no provider read on the question.
  if (g.grant_kind != grant_kind::oauth)
    return out;
  auto provider = db.grants().find_provider(g.provider_id);
  if (!provider)
    return out;
  for (const auto& s : provider->required_scopes)
    if (std::find(granted.begin(), granted.end(), s) == granted.end())
      out.push_back(s);
  return out;
}

bool consent_may_renew(const grant_record& g, const std::string& user_id) {
  switch (g.principal_type) {
    case principal_type::user:
      // A Connect grant of no user (principal "") is the app's own.
      return g.principal_id == user_id;
    case principal_type::system:
      return user_id.empty();
    default:
      return false;
  }
}

grant_item to_grant_item(store& db, const grant_record& g) {
  grant_item item;
  // An OAuth grant holds what its latest consent or refresh granted.
  auto scopes = g.scopes;
  if (g.grant_kind == grant_kind::oauth)
    if (auto tokens = db.oauth().find_tokens(g.id))
      scopes = std::move(tokens->scopes);
  item.scope_mismatch = !missing_required_scopes(db, g, scopes).empty();
  item.grant_kind = std::string{to_string(g.grant_kind)};
  item.grant_id = g.id;
  item.provider_id = g.provider_id;
  item.scopes = std::move(scopes);
  item.status = std::string{
      to_string(effective_grant_status(g, std::chrono::system_clock::now()))};
  item.principal_type = std::string{to_string(g.principal_type)};
  item.created_at = g.created_at;
  item.last_used_at = g.last_used_at;
  item.expires_at = g.expires_at;
  item.label = g.label;
  item.account_identifier = g.account_identifier;
  item.agent_id = g.agent_id;
  item.delegated_agent_ids = db.grants().delegated_agents(g.id);
  if (g.grant_kind == grant_kind::managed_secret) {
    item.managed_secret_id = g.managed_secret_id;
    if (auto s = db.secrets().find(g.managed_secret_id)) {
      item.managed_secret_slug = s->slug;
      item.managed_secret_name = s->name;
    }
  }
  return item;
}

/// The grant's expiry from its policy: an explicit time, else the default TTL;
/// never beyond the maximum TTL.
std::optional<std::string> grant_expiry(const grant_policy& p) {
  constexpr int64_t ten_years = int64_t{10} * 366 * 24 * 3600;
  if (p.max_ttl_seconds < 0 || p.default_ttl_seconds < 0
      || p.max_ttl_seconds > ten_years || p.default_ttl_seconds > ten_years
      || (p.max_ttl_seconds > 0 && p.default_ttl_seconds > p.max_ttl_seconds)
      || (!p.expires_at.empty() && !is_iso8601_utc(p.expires_at)))
    return std::nullopt;
  std::string at = p.expires_at;
  if (at.empty() && p.default_ttl_seconds > 0)
    at = now_iso8601(std::chrono::seconds{p.default_ttl_seconds});
  if (p.max_ttl_seconds > 0) {
    auto cap = now_iso8601(std::chrono::seconds{p.max_ttl_seconds});
    if (at.empty() || cap < at)
      at = cap;
  }
  return at;
}

} // namespace alter::backend
