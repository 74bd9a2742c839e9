#include "alter/backend/bootstrap.hpp"

#include <stdexcept>

#include "alter/auth/api_key.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/sim/provider_simulator.hpp"

namespace alter::backend {

namespace {

/// A random credential that looks like a provider's API token.
std::string make_secret_value(const std::string& provider) {
  return provider + "_" + crypto::random_hex(20);
}

} // namespace

secret_record make_secret(const std::string& app_id, const provider_record& provider,
                          const std::string& owner) {
  secret_record s;
  s.id = "ms_" + crypto::random_hex(12);
  s.app_id = app_id;
  s.slug = provider.id + "-" + owner;
  s.name = provider.id + " credential for " + owner;
  s.provider_id = provider.id;
  s.value = make_secret_value(provider.id);
  s.created_at = now_iso8601();
  for (const auto& sim : simulated_providers)
    if (provider.id == sim.id) {
      s.injection_header = sim.injection_header;
      s.injection_format = sim.injection_format;
      s.additional_injections_json = sim.additional_injections_json;
    }
  return s;
}

namespace {

grant_record make_grant(const secret_record& secret, const std::string& agent_id) {
  grant_record g;
  g.id = crypto::random_uuid();
  g.app_id = secret.app_id;
  g.grant_kind = grant_kind::managed_secret;
  g.managed_secret_id = secret.id;
  g.provider_id = secret.provider_id;
  g.principal_type = agent_id.empty() ? principal_type::system : principal_type::agent;
  g.agent_id = agent_id;
  g.label = agent_id.empty() ? "app" : "default";
  g.created_at = now_iso8601();
  return g;
}

/// An app-wide OAuth grant holding `tokens` (whose grant id it sets).
grant_record make_oauth_grant(const std::string& app_id,
                              const provider_record& provider,
                              oauth_token_record& tokens) {
  grant_record g;
  g.id = crypto::random_uuid();
  g.app_id = app_id;
  g.grant_kind = grant_kind::oauth;
  g.provider_id = provider.id;
  g.principal_type = principal_type::system;
  g.label = "app";
  g.scopes = tokens.scopes;
  g.created_at = now_iso8601();
  tokens.grant_id = g.id;
  tokens.refreshed_at = g.created_at;
  return g;
}

} // namespace

key_record make_key(std::string app_id, std::string agent_id,
                    std::vector<std::string> scopes, std::string& plaintext) {
  auto type = agent_id.empty() ? key_type::runtime : key_type::agent;
  plaintext = generate_key(type);
  key_record k;
  k.id = crypto::random_uuid();
  k.key_hash = crypto::sha256_hex(plaintext);
  k.key_prefix = key_prefix(plaintext);
  k.key_type = type;
  k.app_id = std::move(app_id);
  k.agent_id = std::move(agent_id);
  k.scopes = std::move(scopes);
  k.created_at = now_iso8601();
  return k;
}

void register_simulated_providers(store& db, const std::string& base_url) {
  for (const auto& p : simulated_providers)
    db.grants().add_provider({p.id, base_url + "/" + p.id, p.id});
}

std::string add_approver(repositories& db, const std::string& app_id,
                         const std::string& name) {
  // 32 random bytes, hex: shown once, stored as its SHA-256.
  auto token = "alter_apv_" + crypto::random_hex(32);
  db.approvals().insert_approver(
      {crypto::random_uuid(), app_id, name, crypto::sha256_hex(token), now_iso8601()});
  return token;
}

namespace {

/// The attribution of every row one bootstrap writes: one request, the operator.
audit_record bootstrap_row(const std::string& request_id, const std::string& app_id,
                           std::string action) {
  audit_record row;
  row.created_at = now_iso8601();
  row.request_id = request_id;
  row.action = std::move(action);
  row.app_id = app_id;
  row.caller = "bootstrap";
  row.caller_type = "operator";
  return row;
}

} // namespace

bootstrap_result bootstrap(store& db, const bootstrap_spec& spec) {
  std::vector<provider_record> providers;
  for (const auto& id : spec.providers) {
    auto p = db.grants().find_provider(id);
    if (!p)
      throw std::invalid_argument("unknown provider " + id);
    providers.push_back(std::move(*p));
  }
  bootstrap_result out;
  {
    auto tx = db.begin();
    out.app_id = crypto::random_uuid();
    // The same administrative rows as the same creations through the API.
    auto request_id = "bootstrap-" + crypto::random_uuid();
    auto audit = [&](const char* action, const std::string& id) {
      append_admin_audit(tx, bootstrap_row(request_id, out.app_id, action), id);
    };
    tx.accounts().insert_app({out.app_id, spec.app_name, now_iso8601()});
    audit("app.created", out.app_id);
    auto app_key = make_key(out.app_id, {}, spec.app_scopes, out.app_key);
    out.app_key_id = app_key.id;
    tx.accounts().insert_key(app_key);
    audit("key.minted", app_key.id);
    // An OAuth provider's shared grant, by provider index ("" for others).
    std::vector<std::string> shared(providers.size());
    for (std::size_t i = 0; i < providers.size(); ++i) {
      const auto& p = providers[i];
      if (p.is_oauth()) {
        auto tokens = spec.consent ? spec.consent(p) : std::nullopt;
        if (!tokens)
          throw std::invalid_argument("provider " + p.id
                                      + " is OAuth: its grants come from Connect");
        auto grant = make_oauth_grant(out.app_id, p, *tokens);
        tx.grants().insert(grant);
        tx.oauth().put_tokens(*tokens);
        audit("grant.created", grant.id);
        out.system_grant_ids.push_back(grant.id);
        shared[i] = grant.id;
        continue;
      }
      auto secret = make_secret(out.app_id, p, "app");
      tx.secrets().insert(secret);
      auto grant = make_grant(secret, {});
      tx.grants().insert(grant);
      audit("grant.created", grant.id);
      out.system_grant_ids.push_back(grant.id);
    }
    if (!spec.approver_name.empty())
      out.approver_token = add_approver(tx, out.app_id, spec.approver_name);
    for (int i = 0; i < spec.agents; ++i) {
      bootstrapped_agent a;
      a.id = crypto::random_uuid();
      a.name = spec.agent_prefix + "-" + std::to_string(i);
      agent_record rec;
      rec.id = a.id;
      rec.app_id = out.app_id;
      rec.name = a.name;
      rec.display_name = a.name;
      rec.created_at = now_iso8601();
      tx.accounts().insert_agent(rec);
      // Its first key is part of its creation, as POST /v1/agents makes it.
      tx.accounts().insert_key(
          make_key(out.app_id, a.id, spec.agent_scopes, a.api_key));
      audit("agent.created", a.id);
      for (std::size_t i = 0; i < providers.size(); ++i) {
        const auto& p = providers[i];
        if (!shared[i].empty()) {
          tx.grants().delegate(shared[i], a.id, now_iso8601());
          a.grant_ids.push_back(shared[i]);
          continue;
        }
        auto secret = make_secret(out.app_id, p, a.name);
        tx.secrets().insert(secret);
        auto grant = make_grant(secret, a.id);
        tx.grants().insert(grant);
        audit("grant.created", grant.id);
        a.grant_ids.push_back(grant.id);
      }
      out.agents.push_back(std::move(a));
    }
    tx.commit();
  }
  return out;
}

} // namespace alter::backend
