// The agents namespace (create with idempotency, list, get, get_by_name,
// update, delete; per-agent keys: mint, list, deprecate, undeprecate, revoke)
// and the keys namespace (derive, rotate, revoke), end to end over loopback,
// with every documented error provoked.
#define CAF_SUITE agents_and_keys
#include "caf/test/unit_test.hpp"

#include "alter/auth/api_key.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/messages/json_codec.hpp"

#include "backend_world.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

agent_create named(std::string name) {
  agent_create c;
  c.name = std::move(name);
  c.display_name = "Researcher";
  c.scopes = {{"sim-bearer", {"read"}}};
  c.metadata = {{"team", "search"}};
  c.policy = {{"require_approval", "payments"}};
  return c;
}

provider_call call_for(const world& w) {
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.provider = "sim-bearer";
  c.reason = "agents test";
  return c;
}

/// An Agent client for a plaintext key.
blocking::Agent agent_with(world& w, const std::string& key) {
  return blocking::Agent{w.client(key), w.env};
}

} // namespace

CAF_TEST(create returns the key once and the agent works with it) {
  world w{false};
  auto agents = w.app().agents();
  auto created = agents.create(named("researcher"));
  CAF_CHECK_EQUAL(created.agent.name, "researcher");
  CAF_CHECK_EQUAL(created.agent.status, "active");
  CAF_CHECK_EQUAL(created.agent.display_name, "Researcher");
  CAF_CHECK(created.agent.scopes.at("sim-bearer") == std::vector<std::string>{"read"});
  CAF_CHECK(is_valid_key(created.api_key));
  CAF_CHECK(created.api_key.rfind("alter_ak_", 0) == 0);
  auto agent = agent_with(w, created.api_key);
  auto me = agent.me();
  CAF_CHECK_EQUAL(me.id, created.agent.id);
  CAF_CHECK_EQUAL(me.policy.size(), 1u);
  // The new agent owns no grant yet: default deny.
  auto e = thrown_by([&] { agent.request(call_for(w)); });
  CAF_CHECK(e.code == error_code::no_delegated_grant);
  // get, get_by_name, list.
  CAF_CHECK_EQUAL(agents.get(created.agent.id).name, "researcher");
  auto by_name = agents.get_by_name("researcher");
  CAF_REQUIRE(by_name.has_value());
  CAF_CHECK_EQUAL(by_name->id, created.agent.id);
  CAF_CHECK(!agents.get_by_name("nobody").has_value());
  auto page = agents.list(agent_query{false, 2, 0});
  CAF_CHECK_EQUAL(page.total, 3); // two bootstrapped, one new
  CAF_CHECK_EQUAL(page.agents.size(), 2u);
  CAF_CHECK(page.has_more);
  auto rest = agents.list(agent_query{false, 2, 2});
  CAF_CHECK_EQUAL(rest.agents.size(), 1u);
  CAF_CHECK(!rest.has_more);
}

CAF_TEST(create refuses bad input before any I / O and duplicate names after) {
  world w{false};
  auto agents = w.app().agents();
  auto refused = [&](agent_create c, std::string idem = {}) {
    return thrown_by([&] { agents.create(c, idem); }).code;
  };
  CAF_CHECK(refused(named("")) == error_code::invalid_argument);
  CAF_CHECK(refused(named("Upper")) == error_code::invalid_argument);
  CAF_CHECK(refused(named("-dash-first")) == error_code::invalid_argument);
  CAF_CHECK(refused(named(std::string(65, 'a'))) == error_code::invalid_argument);
  auto bad_type = named("ok");
  bad_type.type = "robot";
  CAF_CHECK(refused(bad_type) == error_code::invalid_argument);
  auto big = named("ok");
  big.metadata = {{"blob", std::string(9000, 'x')}};
  CAF_CHECK(refused(big) == error_code::invalid_argument);
  CAF_CHECK(refused(named("ok"), "line\r\nbreak") == error_code::invalid_argument);
  CAF_CHECK_EQUAL(calls_audited(w.backend.db()).size(), 0u);
  agents.create(named("taken"));
  auto e = thrown_by([&] { agents.create(named("taken")); });
  CAF_CHECK(e.code == error_code::agent_name_exists);
  CAF_CHECK(e.is(error_class::AgentNameExistsError));
  // An agent key cannot create agents.
  auto agent_app = blocking::App{w.client(w.keys.agents[0].api_key), w.env};
  e = thrown_by([&] { agent_app.agents().create(named("child")); });
  CAF_CHECK(e.code == error_code::insufficient_scope);
  CAF_CHECK_EQUAL(e.required_scope(), "agents:write");
  // Details that are not what a reader expects read as empty, never throw.
  CAF_CHECK(make_error(error_code::insufficient_scope, "x", "[1,2]")
                .required_scope()
                .empty());
  CAF_CHECK(make_error(error_code::ambiguous_grant, "x", "{\"candidates\":7}")
                .candidates()
                .empty());
  CAF_CHECK(!e.retry_after());
}

CAF_TEST(an idempotent create replays the metadata without the key) {
  world w{false};
  auto agents = w.app().agents();
  auto first = agents.create(named("once"), "create-once-1");
  CAF_CHECK(!first.api_key.empty());
  auto again = agents.create(named("once"), "create-once-1");
  CAF_CHECK_EQUAL(again.agent.id, first.agent.id);
  CAF_CHECK(again.api_key.empty());
  CAF_CHECK_EQUAL(agents.list().total, 3);
  auto other = named("once");
  other.display_name = "Someone else";
  auto e = thrown_by([&] { agents.create(other, "create-once-1"); });
  CAF_CHECK(e.code == error_code::idempotency_key_body_mismatch);
  CAF_CHECK(e.is(error_class::IdempotencyKeyBodyMismatchError));
  agent_update pause;
  pause.status = "inactive";
  agents.update(first.agent.id, pause);
  e = thrown_by([&] { agents.create(named("once"), "create-once-1"); });
  CAF_CHECK(e.code == error_code::idempotency_key_agent_inactive);
  agents.remove(first.agent.id);
  e = thrown_by([&] { agents.create(named("once"), "create-once-1"); });
  CAF_CHECK(e.code == error_code::idempotency_key_agent_revoked);
}

CAF_TEST(an idempotent create replay leaves the api_key field out on the wire) {
  world w{false};
  http_request req;
  req.method = "POST";
  req.target = "/v1/agents";
  req.headers
      = {{"Content-Type", "application/json"}, {"Idempotency-Key", "create-raw-1"}};
  req.body = to_json(named("raw-once"));
  auto first = w.raw(w.keys.app_key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(first.status, 201);
  CAF_CHECK(first.body.find("\"api_key\":\"alter_") != std::string::npos);
  auto again = w.raw(w.keys.app_key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(again.status, 200);
  // docs/protocol.md 7.4: the replay has the same metadata and no api_key at all
  // (it used to carry "api_key":"").
  CAF_CHECK(again.body.find("api_key") == std::string::npos);
  CAF_CHECK(again.body.find("raw-once") != std::string::npos);
}

CAF_TEST(update may widen scopes but never narrow them and pauses an agent) {
  world w{false};
  auto agents = w.app().agents();
  auto created = agents.create(named("worker"));
  agent_update wider;
  wider.scopes = {{"sim-bearer", {"read", "write"}}, {"sim-apikey", {"read"}}};
  wider.display_name = "Worker";
  auto updated = agents.update(created.agent.id, wider);
  CAF_CHECK_EQUAL(updated.display_name, "Worker");
  CAF_CHECK_EQUAL(updated.scopes.size(), 2u);
  agent_update narrower;
  narrower.scopes = {{"sim-bearer", {"read", "write"}}};
  auto e = thrown_by([&] { agents.update(created.agent.id, narrower); });
  CAF_CHECK(e.code == error_code::agent_scope_narrowing_not_supported);
  CAF_CHECK(e.is(error_class::AgentScopeNarrowingNotSupportedError));
  agent_update bad_status;
  bad_status.status = "sleeping";
  CAF_CHECK(thrown_by([&] { agents.update(created.agent.id, bad_status); }).code
            == error_code::invalid_argument);
  // A paused agent may call me() and nothing else.
  agent_update pause;
  pause.status = "inactive";
  agents.update(created.agent.id, pause);
  auto agent = agent_with(w, created.api_key);
  CAF_CHECK_EQUAL(agent.me().status, "inactive");
  e = thrown_by([&] { agent.list_grants(); });
  CAF_CHECK(e.code == error_code::agent_inactive);
  CAF_CHECK(e.is(error_class::AgentInactiveError));
  CAF_CHECK(thrown_by([&] { agents.get("not-a-uuid"); }).code
            == error_code::invalid_argument);
  e = thrown_by([&] { agents.get("00000000-0000-4000-8000-000000000000"); });
  CAF_CHECK(e.code == error_code::agent_not_found);
}

CAF_TEST(delete revokes the agent and every key it had) {
  world w{false};
  auto agents = w.app().agents();
  auto created = agents.create(named("temp"));
  auto second = agents.mint_key(created.agent.id, "second");
  auto deleted = agents.remove(created.agent.id);
  CAF_CHECK_EQUAL(deleted.status, "revoked");
  for (const auto& key : {created.api_key, second.api_key}) {
    auto e = thrown_by([&] { agent_with(w, key).me(); });
    CAF_CHECK(e.code == error_code::invalid_key);
  }
  CAF_CHECK(!agents.get_by_name("temp").has_value());
  CAF_CHECK_EQUAL(agents.list(agent_query{true, 100, 0}).total, 3);
  CAF_CHECK_EQUAL(agents.list().total, 2);
  // The name is free again.
  CAF_CHECK(agents.create(named("temp")).agent.id != created.agent.id);
  auto e = thrown_by([&] { agents.mint_key(created.agent.id); });
  CAF_CHECK(e.code == error_code::agent_revoked);
}

CAF_TEST(deprecated keys work and say so on every answer) {
  world w{false};
  auto agents = w.app().agents();
  auto created = agents.create(named("rotating"));
  auto keys = agents.list_keys(created.agent.id);
  CAF_REQUIRE_EQUAL(keys.items.size(), 1u);
  auto key_id = keys.items[0].key_id;
  auto agent = agent_with(w, created.api_key);
  agent.me();
  CAF_CHECK(!agent.key_deprecated());
  auto deprecated = agents.deprecate_key(created.agent.id, key_id);
  CAF_CHECK_EQUAL(deprecated.status, "deprecated");
  CAF_CHECK(!deprecated.deprecated_at.empty());
  CAF_CHECK_EQUAL(agent.me().id, created.agent.id);
  CAF_CHECK(agent.key_deprecated());
  agents.undeprecate_key(created.agent.id, key_id);
  agent.me();
  CAF_CHECK(!agent.key_deprecated());
  // The last live key is protected unless forced.
  auto e = thrown_by([&] { agents.revoke_key(created.agent.id, key_id); });
  CAF_CHECK(e.code == error_code::last_active_key);
  CAF_CHECK(e.is(error_class::LastActiveKeyError));
  auto revoked = agents.revoke_key(created.agent.id, key_id, true);
  CAF_CHECK_EQUAL(revoked.status, "revoked");
  e = thrown_by([&] { agent.me(); });
  CAF_CHECK(e.code == error_code::invalid_key);
  e = thrown_by([&] { agents.revoke_key(created.agent.id, key_id, true); });
  CAF_CHECK(e.code == error_code::key_already_revoked);
  e = thrown_by([&] { agents.undeprecate_key(created.agent.id, key_id); });
  CAF_CHECK(e.code == error_code::key_revoked);
  e = thrown_by([&] {
    agents.deprecate_key(created.agent.id, "00000000-0000-4000-8000-000000000000");
  });
  CAF_CHECK(e.code == error_code::key_not_found);
  // Another agent's key is not this agent's.
  auto other = agents.create(named("other"));
  auto other_key = agents.list_keys(other.agent.id).items.at(0).key_id;
  e = thrown_by([&] { agents.deprecate_key(created.agent.id, other_key); });
  CAF_CHECK(e.code == error_code::key_not_found);
}

CAF_TEST(me on an app key is refused with its own error) {
  world w{false};
  auto app_as_agent = blocking::Agent{w.client(w.keys.app_key), w.env};
  auto e = thrown_by([&] { app_as_agent.me(); });
  CAF_CHECK(e.code == error_code::me_requires_agent_key);
  CAF_CHECK(e.is(error_class::MeRequiresAgentKeyError));
}

CAF_TEST(derived keys only narrow and die with their parent) {
  world w{false};
  auto app = w.app();
  auto keys = app.keys();
  auto derived = keys.derive(key_derivation{{"grants:read"}, 3600});
  CAF_CHECK(derived.api_key.rfind("alter_dk_", 0) == 0);
  CAF_CHECK(is_valid_key(derived.api_key));
  CAF_CHECK_EQUAL(derived.key.key_type, "derived");
  CAF_CHECK(!derived.key.expires_at.empty());
  auto narrow = blocking::App{w.client(derived.api_key), w.env};
  CAF_CHECK_EQUAL(narrow.list_grants().total, 3);
  auto system_call = call_for(w);
  system_call.provider.clear();
  system_call.grant_id = w.keys.system_grant_ids[0];
  CAF_CHECK_EQUAL(app.request(system_call).status, 200);
  auto e = thrown_by([&] { narrow.request(system_call); });
  CAF_CHECK(e.code == error_code::insufficient_scope);
  // Wider than the parent: refused by the backend; malformed: refused locally.
  auto agent_keys = w.agent().keys();
  e = thrown_by([&] { agent_keys.derive(key_derivation{{"agents:admin"}, 3600}); });
  CAF_CHECK(e.code == error_code::insufficient_scope); // agents lack keys:derive
  e = thrown_by([&] {
    narrow.keys().derive(key_derivation{{"tokens:retrieve"}, 600});
  });
  CAF_CHECK(e.code == error_code::insufficient_scope);
  auto derive_wider = blocking::App{
      w.client(
          keys.derive(key_derivation{{"keys:derive", "grants:read"}, 600}).api_key),
      w.env};
  e = thrown_by([&] {
    derive_wider.keys().derive(key_derivation{{"agents:admin"}, 600});
  });
  CAF_CHECK(e.code == error_code::constraint_not_narrowing);
  CAF_CHECK(thrown_by([&] {
              keys.derive(key_derivation{{}, 600});
            }).code
            == error_code::invalid_argument);
  CAF_CHECK(thrown_by([&] {
              keys.derive(key_derivation{{"grants:read"}, 10});
            }).code
            == error_code::invalid_argument);
  CAF_CHECK(thrown_by([&] {
              keys.derive(key_derivation{{"bogus"}, 600});
            }).code
            == error_code::invalid_argument);
  // Revoking the parent takes the derived keys along.
  auto parent = keys.derive(key_derivation{{"keys:derive", "grants:read"}, 600});
  auto parent_client = blocking::App{w.client(parent.api_key), w.env};
  auto child = parent_client.keys().derive(key_derivation{{"grants:read"}, 600});
  auto child_client = blocking::App{w.client(child.api_key), w.env};
  CAF_CHECK_EQUAL(child_client.list_grants().total, 3);
  keys.revoke(parent.key.key_id);
  e = thrown_by([&] { child_client.list_grants(); });
  CAF_CHECK(e.code == error_code::invalid_key);
  e = thrown_by([&] { keys.revoke(parent.key.key_id); });
  CAF_CHECK(e.code == error_code::key_already_revoked);
  e = thrown_by([&] { keys.revoke("00000000-0000-4000-8000-000000000000"); });
  CAF_CHECK(e.code == error_code::key_not_found);
  // A derived key with keys:admin manages only itself and its own descendants.
  auto admin = keys.derive(key_derivation{{"keys:admin", "keys:derive"}, 600});
  auto admin_client = blocking::App{w.client(admin.api_key), w.env};
  e = thrown_by([&] { admin_client.keys().revoke(w.keys.app_key_id); });
  CAF_CHECK(e.code == error_code::key_not_found);
  auto own_child = admin_client.keys().derive(key_derivation{{"keys:derive"}, 600});
  // Nor can a derived key mint lasting agent keys.
  auto agent_admin = keys.derive(key_derivation{{"agents:admin", "agents:write"}, 600});
  auto derived_operator = blocking::App{w.client(agent_admin.api_key), w.env}.agents();
  CAF_CHECK(thrown_by([&] { derived_operator.mint_key(w.keys.agents[0].id); }).code
            == error_code::insufficient_scope);
  CAF_CHECK(thrown_by([&] { derived_operator.create(named("sneaky")); }).code
            == error_code::insufficient_scope);
  CAF_CHECK_EQUAL(admin_client.keys().revoke(own_child.key.key_id).status, "revoked");
  CAF_CHECK_EQUAL(w.app().list_grants().total, 3);
}

CAF_TEST(rotate hands out a successor and keeps the old key for the grace period) {
  world w{false};
  auto keys = w.app().keys();
  auto spare = keys.derive(key_derivation{{"grants:read"}, 3600});
  // Keys derived from a rotated key expire with its grace period.
  auto deriving = keys.derive(key_derivation{{"keys:derive", "grants:read"}, 3600});
  auto grandchild = blocking::App{w.client(deriving.api_key), w.env}.keys().derive(
      key_derivation{{"grants:read"}, 3000});
  keys.rotate(key_rotation{deriving.key.key_id, 60});
  auto capped = w.backend.db().accounts().find_key(grandchild.key.key_id)->expires_at;
  CAF_CHECK(capped < grandchild.key.expires_at);
  auto rotated = keys.rotate(key_rotation{spare.key.key_id, 600});
  CAF_CHECK(rotated.api_key != spare.api_key);
  CAF_CHECK(rotated.key.scopes == spare.key.scopes);
  auto old_client = blocking::App{w.client(spare.api_key), w.env};
  auto new_client = blocking::App{w.client(rotated.api_key), w.env};
  CAF_CHECK_EQUAL(old_client.list_grants().total, 3);
  CAF_CHECK_EQUAL(new_client.list_grants().total, 3);
  // No grace: the old key stops at once, and so do the keys derived from it.
  auto parent = keys.derive(key_derivation{{"keys:derive", "grants:read"}, 3600});
  auto child = blocking::App{w.client(parent.api_key), w.env}.keys().derive(
      key_derivation{{"grants:read"}, 600});
  auto successor = keys.rotate(key_rotation{parent.key.key_id, 0});
  CAF_CHECK(!successor.key.expires_at.empty()); // a derived key's successor expires too
  CAF_CHECK(thrown_by([&] {
              blocking::App(w.client(child.api_key), w.env).list_grants();
            }).code
            == error_code::invalid_key);
  auto next = keys.rotate(key_rotation{rotated.key.key_id, 0});
  auto e = thrown_by([&] { new_client.list_grants(); });
  CAF_CHECK(e.code == error_code::invalid_key);
  CAF_CHECK_EQUAL(blocking::App(w.client(next.api_key), w.env).list_grants().total, 3);
  e = thrown_by([&] { keys.rotate(key_rotation{rotated.key.key_id, 600}); });
  CAF_CHECK(e.code == error_code::key_revoked);
  CAF_CHECK(thrown_by([&] {
              keys.rotate(key_rotation{"nope", 600});
            }).code
            == error_code::invalid_argument);
  CAF_CHECK(thrown_by([&] {
              keys.rotate(key_rotation{spare.key.key_id, -1});
            }).code
            == error_code::invalid_argument);
}
