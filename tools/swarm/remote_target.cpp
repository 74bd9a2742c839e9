#include "tools/swarm/remote_target.hpp"

#include <map>
#include <optional>
#include <stdexcept>

#include "alter/actors/blocking_client.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/messages/agents.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/grants.hpp"

namespace alter::swarm {

struct remote_target::impl {
  std::shared_ptr<blocking::environment> env = blocking::environment::make();
  std::optional<blocking::App> app;
  std::vector<std::string> agent_ids;
  std::vector<std::string> grant_ids;
  bool removed = false;
};

namespace {

/// One managed secret per provider, from the app's own grants.
std::map<std::string, std::string> managed_secrets_by_provider(blocking::App& app) {
  std::map<std::string, std::string> out;
  grant_query q;
  q.limit = 100;
  for (int page = 0; page < 100; ++page) {
    auto list = app.list_grants(q);
    for (const auto& g : list.grants)
      if (g.grant_kind == "managed_secret" && g.status == "active"
          && !g.managed_secret_id.empty())
        out.emplace(g.provider_id, g.managed_secret_id);
    if (!list.has_more)
      break;
    q.offset += q.limit;
  }
  return out;
}

} // namespace

remote_target::remote_target(const scenario& s, const remote_target_options& options)
    : impl_(std::make_unique<impl>()) {
  client_options o;
  o.api_key = options.app_key;
  o.base_url = options.base_url;
  o.tls.ca_pem = options.ca_pem;
  o.timeout = 30;
  impl_->app.emplace(o, impl_->env);
  auto& app = *impl_->app;
  auto secrets = managed_secrets_by_provider(app);
  if (secrets.empty())
    throw std::runtime_error{
        "the app at " + options.base_url
        + " has no active managed-secret grant whose secret the agents could use"};
  auto providers_url = options.providers_url;
  while (!providers_url.empty() && providers_url.back() == '/')
    providers_url.pop_back();
  target_.base_url = options.base_url;
  target_.ca_pem = options.ca_pem;
  for (const auto& [provider, secret] : secrets) {
    providers_.push_back(provider);
    target_.provider_urls.push_back(providers_url + '/');
    target_.provider_urls.back() += provider;
  }
  // A name of this run's own, so that two runs never collide.
  auto run = crypto::random_hex(4);
  target_.agents.reserve(s.agents);
  try {
    for (uint64_t i = 0; i < s.agents; ++i) {
      agent_create a;
      a.name = "swarm-" + run;
      a.name += "-" + std::to_string(i);
      a.display_name = "alter-swarm agent " + std::to_string(i);
      auto made = app.agents().create(a);
      impl_->agent_ids.push_back(made.agent.id);
      agent_credentials creds;
      creds.api_key = made.api_key;
      auto as_agent = app.get_agent(made.agent.id);
      for (const auto& [provider, secret] : secrets) {
        managed_secret_grant g;
        g.managed_secret_id = secret;
        g.principal.type = "agent";
        g.principal.label = "alter-swarm";
        auto grant = as_agent.create_managed_secret_grant(g);
        impl_->grant_ids.push_back(grant.grant_id);
        creds.grant_ids.push_back(grant.grant_id);
      }
      target_.agents.push_back(std::move(creds));
    }
  } catch (...) {
    remove();
    throw;
  }
}

remote_target::~remote_target() {
  try {
    remove();
  } catch (...) { // NOLINT(bugprone-empty-catch): a destructor reports nothing
  }
}

std::pair<std::size_t, std::size_t> remote_target::remove() {
  if (impl_->removed || !impl_->app)
    return {0, 0};
  impl_->removed = true;
  std::size_t grants = 0;
  std::size_t agents = 0;
  for (const auto& id : impl_->grant_ids) {
    impl_->app->revoke_grant(id, "alter-swarm run ended");
    ++grants;
  }
  for (const auto& id : impl_->agent_ids) {
    impl_->app->agents().remove(id);
    ++agents;
  }
  return {grants, agents};
}

} // namespace alter::swarm
