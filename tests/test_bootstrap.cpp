// Bootstrap: on a database a running server uses it only adds (the server's
// provider rows stay as the server registered them), and what it creates is on
// the audit trail as the same creations through the API are.
#define CAF_SUITE bootstrap
#include "caf/test/unit_test.hpp"

#include <map>
#include <set>
#include <string>

#include "alter/backend/bootstrap.hpp"
#include "alter/backend/sim/oauth_authorization_server.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"

#include "backend_world.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

backend::backend_options file_options(const std::string& db_path) {
  auto o = world::options(false);
  o.database_path = db_path;
  return o;
}

} // namespace

CAF_TEST(an offline bootstrap of a live database keeps its proxy calls working) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  world w{file_options(db_path)};
  auto agent = w.agent();
  provider_call call;
  call.url = w.provider_url("sim-bearer") + "/v1/items";
  call.grant_id = w.keys.agents[0].grant_ids[0];
  CAF_REQUIRE_EQUAL(agent.proxy_request(call).result.status_code, 200);
  {
    // What `alter-local bootstrap --db FILE` does, from a second handle.
    backend::sqlite_store other{db_path};
    backend::register_simulated_providers(other, "https://127.0.0.1:8444");
    backend::bootstrap_spec spec;
    spec.agents = 1;
    backend::bootstrap(other, spec);
  }
  auto after = thrown_by([&] { agent.proxy_request(call); });
  // unknown_error: nothing was thrown.
  CAF_CHECK_EQUAL(after.message, "nothing was thrown");
  auto registered = w.backend.db().grants().find_provider("sim-bearer");
  CAF_REQUIRE(registered.has_value());
  CAF_CHECK_EQUAL(registered->base_url, w.provider_url("sim-bearer"));
}

CAF_TEST(bootstrap writes the audit rows the API writes for the same creations) {
  temp_dir dir;
  backend::sqlite_store db{dir.path + "/alter.db"};
  backend::register_simulated_providers(db, "https://127.0.0.1:8444");
  backend::bootstrap_spec spec;
  spec.agents = 2;
  auto made = backend::bootstrap(db, spec);
  std::map<std::string, std::set<std::string>> ids_by_action;
  std::set<std::string> request_ids;
  for (const auto& row : db.audit().rows(100)) {
    ids_by_action[row.action].insert(row.url);
    request_ids.insert(row.request_id);
    CAF_CHECK_EQUAL(to_string(row.outcome), "success");
    CAF_CHECK_EQUAL(row.app_id, made.app_id);
    CAF_CHECK_EQUAL(row.caller, "bootstrap");
    CAF_CHECK_EQUAL(row.caller_type, "operator");
  }
  CAF_CHECK_EQUAL(request_ids.size(), 1u);
  CAF_CHECK_EQUAL(request_ids.begin()->rfind("bootstrap-", 0), 0u);
  CAF_CHECK_EQUAL(ids_by_action.size(), 4u);
  CAF_CHECK(ids_by_action["app.created"] == std::set<std::string>{made.app_id});
  CAF_CHECK(ids_by_action["key.minted"] == std::set<std::string>{made.app_key_id});
  std::set<std::string> agents;
  std::set<std::string> grants{made.system_grant_ids.begin(),
                               made.system_grant_ids.end()};
  for (const auto& a : made.agents) {
    agents.insert(a.id);
    grants.insert(a.grant_ids.begin(), a.grant_ids.end());
  }
  CAF_CHECK(ids_by_action["agent.created"] == agents);
  CAF_CHECK_EQUAL(grants.size(), 9u);
  CAF_CHECK(ids_by_action["grant.created"] == grants);
}

CAF_TEST(an OAuth provider gets one consented grant shared by every agent) {
  world w{world::options(false)};
  backend::bootstrap_spec spec;
  spec.agents = 3;
  spec.providers = {"sim-bearer", "sim-oauth"};
  // Without a consent, its grants can only come from Connect.
  std::string refused;
  try {
    backend::bootstrap(w.backend.db(), spec);
  } catch (const std::invalid_argument& e) {
    refused = e.what();
  }
  CAF_CHECK_EQUAL(refused, "provider sim-oauth is OAuth: its grants come from Connect");
  spec.consent = w.backend.simulated_consent();
  auto made = backend::bootstrap(w.backend.db(), spec);
  CAF_REQUIRE_EQUAL(made.agents.size(), 3u);
  const auto& shared = made.agents[0].grant_ids[1];
  CAF_CHECK_EQUAL(made.system_grant_ids[1], shared);
  // The managed-secret grants stay one per agent.
  std::set<std::string> own;
  for (const auto& a : made.agents) {
    CAF_CHECK_EQUAL(a.grant_ids[1], shared);
    own.insert(a.grant_ids[0]);
  }
  CAF_CHECK_EQUAL(own.size(), 3u);
  auto tokens = w.backend.db().oauth().find_tokens(shared);
  CAF_REQUIRE(tokens.has_value());
  CAF_CHECK(w.backend.oauth_server()
                ->check_access_token("sim-oauth", tokens->access_token)
                .has_value());
  CAF_CHECK_EQUAL(w.backend.db().grants().delegated_agents(shared).size(), 3u);
  // Each agent calls the provider through it with the consented token.
  client_options o;
  o.api_key = made.agents[2].api_key;
  o.base_url = w.backend.base_url();
  blocking::Agent agent{o};
  provider_call call;
  call.grant_id = shared;
  call.url = w.provider_url("sim-oauth") + "/v1/items";
  CAF_CHECK_EQUAL(agent.proxy_request(call).result.status_code, 200);
}
