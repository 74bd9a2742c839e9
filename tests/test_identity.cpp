// Identity mode and grant management: sign-in at the local identity provider
// (authenticate), verify_user_token, resolve_identity, calls resolved through
// an end user's JWT (provider=, account, AmbiguousGrantError), managed-secret
// grants for every principal kind, revocation and delegation removal.
#define CAF_SUITE identity
#include "caf/test/unit_test.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <stdexcept>
#include <thread>

#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"

#include "alter/auth/crypto.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/identity/local_users.hpp"
#include "alter/backend/identity/password_hash.hpp"
#include "alter/backend/identity/sign_in_throttle.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"

#include "backend_world.hpp"
#include "interactive_flow.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

using later_atom = caf::atom_constant<caf::atom("later")>;

provider_call by_provider(const world& w, const std::string& jwt) {
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.provider = "sim-bearer";
  c.user_token = jwt;
  return c;
}

/// Connects `account` for the user `subject` through the consent page.
std::string connect_account(world& w, blocking::App& app, const std::string& subject,
                            const std::string& account) {
  connect_request req;
  req.allowed_providers = {"sim-bearer"};
  req.user_token = w.backend.identity().issue(w.keys.app_id, subject);
  auto session = app.create_connect_session(req);
  auto path = w.path_of_page(session.connect_url);
  w.browse("POST", path + "/decision", {}, "decision=approve&account=" + account);
  return app.poll_connect_session(session.session_token).results.at(0).grant_id;
}

/// Posts the sign-in form of the page at `path`.
http_response sign_in(world& w, const std::string& path, const std::string& user,
                      const std::string& password) {
  return w.browse("POST", path + "/decision", {},
                  "username=" + net::percent_encode(user)
                      + "&password=" + net::percent_encode(password));
}

/// The managed secret behind one of the bootstrapped system grants.
std::string some_secret(world& w) {
  return w.backend.db().grants().find(w.keys.system_grant_ids[0])->managed_secret_id;
}

} // namespace

CAF_TEST(authenticate signs a user in and the token verifies) {
  world w{false};
  auto app = w.app();
  interactive_flow<auth_status> flow{
      [&](auto on_url) { return app.authenticate(10, on_url); }};
  backend::set_local_user_password(w.backend.db(), "carol", "carol-password");
  backend::set_local_user_password(w.backend.db(), "dora", "dora-password");
  auto path = w.path_of_page(flow.url());
  auto form = w.browse("GET", path);
  CAF_CHECK_EQUAL(form.status, 200);
  CAF_CHECK(form.body.find("type=\"password\"") != std::string::npos);
  auto bad = w.browse("POST", path + "/decision", {}, "username=%3Cx%3E&password=x");
  CAF_CHECK(bad.body.find("<x>") == std::string::npos);
  CAF_CHECK_EQUAL(sign_in(w, path, "carol", "carol-password").status, 200);
  auto signed_in = flow.result();
  CAF_CHECK_EQUAL(signed_in.status, "completed");
  CAF_CHECK_EQUAL(*find_field(signed_in.user_info, "sub"), "carol");
  CAF_CHECK_EQUAL(app.verify_user_token(signed_in.user_token).value_or(""), "carol");
  // The JWT is handed out once; agents cannot sign users in at all.
  auto again = app.create_auth_session();
  sign_in(w, w.path_of_page(again.auth_url), "dora", "dora-password");
  CAF_CHECK(!app.poll_auth_session(again.session_token).user_token.empty());
  CAF_CHECK(app.poll_auth_session(again.session_token).user_token.empty());
  auto agent_app = blocking::App{w.client(w.keys.agents[0].api_key), w.env};
  CAF_CHECK(thrown_by([&] { agent_app.create_auth_session(); }).code
            == error_code::insufficient_scope);
  CAF_CHECK(!app.verify_user_token("not.a.jwt").has_value());
  // A token for another app's audience does not verify here.
  auto foreign = w.backend.identity().issue("some-other-app", "carol");
  CAF_CHECK(!app.verify_user_token(foreign).has_value());
  // Nothing but a token is accepted.
  CAF_CHECK(thrown_by([&] { app.verify_user_token(""); }).code
            == error_code::invalid_argument);
  CAF_CHECK(thrown_by([&] { app.verify_user_token("a b"); }).code
            == error_code::invalid_argument);
  // The JWKS document is public.
  auto jwks = w.browse("GET", "/.well-known/jwks.json");
  CAF_CHECK_EQUAL(jwks.status, 200);
  CAF_CHECK(jwks.body.find("\"RS256\"") != std::string::npos);
  // An abandoned sign-in times out locally.
  try {
    app.authenticate(0.3, [](const std::string&) {});
    CAF_FAIL("authenticate returned without a sign-in");
  } catch (const errors::AlterSDKError& e) {
    CAF_CHECK(e.error().code == error_code::connect_timeout);
  }
}

CAF_TEST(resolve identity names the user and fails closed on bad tokens) {
  world w{false};
  auto jwt = w.backend.identity().issue(w.keys.app_id, "dave");
  auto app = w.app();
  auto ctx = app.resolve_identity(jwt);
  CAF_CHECK_EQUAL(ctx.external_subject_id, "dave");
  CAF_CHECK_EQUAL(ctx.user_status, "active");
  CAF_CHECK(!ctx.app_user_id.empty());
  CAF_CHECK_EQUAL(app.resolve_identity(jwt).app_user_id, ctx.app_user_id);
  auto as_agent = w.agent().resolve_identity(jwt);
  CAF_CHECK_EQUAL(as_agent.agent_id, w.keys.agents[0].id);
  auto e = thrown_by([&] { app.resolve_identity("eyJ.bad.token"); });
  CAF_CHECK(e.code == error_code::reauth_required);
  CAF_CHECK(e.is(error_class::ReAuthRequiredError));
  auto expired = w.backend.identity().issue(w.keys.app_id, "dave", -3600);
  CAF_CHECK(thrown_by([&] { app.resolve_identity(expired); }).code
            == error_code::reauth_required);
}

CAF_TEST(identity mode resolves the grant among the users own) {
  world w{false};
  auto app = w.app();
  auto erin = w.backend.identity().issue(w.keys.app_id, "erin");
  auto work = connect_account(w, app, "erin", "erin-work");
  connect_account(w, app, "erin", "erin-home");
  // Two accounts on one provider: ambiguous, with the candidates listed.
  auto e = thrown_by([&] { app.request(by_provider(w, erin)); });
  CAF_CHECK(e.code == error_code::ambiguous_grant);
  CAF_CHECK(e.is(error_class::AmbiguousGrantError));
  std::set<std::string> accounts;
  for (const auto& c : e.candidates()) {
    accounts.insert(c.account_identifier);
    CAF_CHECK_EQUAL(c.grant_id.size(), 36u);
  }
  CAF_CHECK(accounts == (std::set<std::string>{"erin-home", "erin-work"}));
  auto pick = by_provider(w, erin);
  pick.account = "erin-work";
  CAF_CHECK_EQUAL(app.request(pick).status, 200);
  // The user token getter does the same for every call.
  auto opts = w.client(w.keys.app_key);
  opts.user_token_getter = [erin] { return erin; };
  auto for_erin = blocking::App{opts, w.env};
  auto pick_without_token = pick;
  pick_without_token.user_token.clear();
  CAF_CHECK_EQUAL(for_erin.proxy_request(pick_without_token).result.status_code, 200);
  // Another user sees none of erin's grants; the grant id does not help.
  auto frank = w.backend.identity().issue(w.keys.app_id, "frank");
  e = thrown_by([&] { app.request(by_provider(w, frank)); });
  CAF_CHECK(e.code == error_code::grant_not_found);
  provider_call by_id;
  by_id.url = w.provider_url("sim-bearer") + "/v1/items";
  by_id.grant_id = work;
  by_id.user_token = frank;
  CAF_CHECK(thrown_by([&] { app.request(by_id); }).code == error_code::grant_not_found);
  // A bad token is refused before any grant is looked at.
  CAF_CHECK(thrown_by([&] { app.request(by_provider(w, "x.y.z")); }).code
            == error_code::reauth_required);
  // An agent key never carries a user token.
  e = thrown_by([&] { w.agent().request(by_provider(w, erin)); });
  CAF_CHECK(e.code == error_code::user_token_not_allowed);
  CAF_CHECK_EQUAL(e.http_status, 400);
  // A suspended user is refused.
  auto user = w.backend.db().accounts().user_for_subject(w.keys.app_id, "erin");
  user.status = backend::app_user_status::suspended;
  w.backend.db().accounts().update_user(user);
  CAF_CHECK(thrown_by([&] { app.request(pick); }).code == error_code::reauth_required);
  CAF_CHECK_EQUAL(app.resolve_identity(erin).user_status, "suspended");
}

CAF_TEST(managed secret grants serve every principal kind) {
  world w{false};
  auto app = w.app();
  managed_secret_grant g;
  g.managed_secret_id = some_secret(w);
  g.principal.type = "system";
  g.principal.label = "nightly";
  g.grant_policy.default_ttl_seconds = 600;
  auto made = app.create_managed_secret_grant(g);
  CAF_CHECK_EQUAL(made.principal_type, "system");
  CAF_CHECK_EQUAL(made.label, "nightly");
  CAF_CHECK(!made.expires_at.empty());
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = made.grant_id;
  CAF_CHECK_EQUAL(app.request(c).status, 200);
  // A user principal, named by the user's JWT.
  g.principal = {"user", w.backend.identity().issue(w.keys.app_id, "gina"), {}, {}, ""};
  CAF_CHECK_EQUAL(app.create_managed_secret_grant(g).principal_type, "user");
  g.principal = {"group", {}, "eng", "okta", ""};
  CAF_CHECK_EQUAL(app.create_managed_secret_grant(g).principal_type, "group");
  // An agent grants only itself, and only with grants:write, which default
  // agent keys lack (it could otherwise help itself to any secret of the app).
  CAF_CHECK(thrown_by([&] {
              w.agent(1).create_managed_secret_grant(managed_secret_grant{
                  g.managed_secret_id, {"agent", {}, {}, {}, ""}, {}});
            }).code
            == error_code::insufficient_scope);
  std::string writer_key;
  w.backend.db().accounts().insert_key(
      backend::make_key(w.keys.app_id, w.keys.agents[1].id,
                        {"tokens:retrieve", "grants:write"}, writer_key));
  auto agent = blocking::Agent{w.client(writer_key), w.env};
  g.principal = {"agent", {}, {}, {}, "own"};
  auto own = agent.create_managed_secret_grant(g);
  c.grant_id = own.grant_id;
  CAF_CHECK_EQUAL(agent.request(c).status, 200);
  CAF_CHECK(thrown_by([&] { w.agent(0).request(c); }).code
            == error_code::no_delegated_grant);
  g.principal = {"system", {}, {}, {}, ""};
  CAF_CHECK(thrown_by([&] { agent.create_managed_secret_grant(g); }).code
            == error_code::invalid_argument);
  // Errors: an unknown secret, a bad token, bad principals and policies.
  managed_secret_grant bad = g;
  bad.managed_secret_id = "ms_missing";
  CAF_CHECK(thrown_by([&] { app.create_managed_secret_grant(bad); }).code
            == error_code::not_found);
  bad = g;
  bad.principal = {"user", "not.a.jwt", {}, {}, ""};
  CAF_CHECK(thrown_by([&] { app.create_managed_secret_grant(bad); }).code
            == error_code::reauth_required);
  bad.principal = {"robot", {}, {}, {}, ""};
  CAF_CHECK(thrown_by([&] { app.create_managed_secret_grant(bad); }).code
            == error_code::invalid_argument);
  bad.principal = {"group", {}, "", {}, ""};
  CAF_CHECK(thrown_by([&] { app.create_managed_secret_grant(bad); }).code
            == error_code::invalid_argument);
  bad.principal = {"system", {}, {}, {}, ""};
  bad.grant_policy.expires_at = "tomorrow";
  CAF_CHECK(thrown_by([&] { app.create_managed_secret_grant(bad); }).code
            == error_code::invalid_argument);
  bad.grant_policy = {"", 60, 600};
  CAF_CHECK(thrown_by([&] { app.create_managed_secret_grant(bad); }).code
            == error_code::invalid_argument);
  bad.grant_policy = {"", int64_t{1} << 40, 0};
  CAF_CHECK(thrown_by([&] { app.create_managed_secret_grant(bad); }).code
            == error_code::invalid_argument);
  // An expired grant is refused when used.
  bad.grant_policy = {"2020-01-01T00:00:00Z", 0, 0};
  c.grant_id = app.create_managed_secret_grant(bad).grant_id;
  auto e = thrown_by([&] { app.request(c); });
  CAF_CHECK(e.code == error_code::grant_expired);
  CAF_CHECK(e.is(error_class::GrantExpiredError));
}

CAF_TEST(revoking grants and delegations cuts exactly that access path) {
  world w{false};
  auto app = w.app();
  connect_request req;
  req.allowed_providers = {"sim-bearer"};
  req.agent_id = w.keys.agents[0].id;
  auto session = app.create_connect_session(req);
  w.browse("POST", w.path_of_page(session.connect_url) + "/decision", {},
           "decision=approve&account=hank");
  auto grant_id
      = app.poll_connect_session(session.session_token).results.at(0).grant_id;
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = grant_id;
  auto agent = w.agent(0);
  CAF_CHECK_EQUAL(agent.request(c).status, 200);
  // The agent gives up its path; the user's grant stays.
  auto gone = agent.revoke_delegation(grant_id);
  CAF_CHECK(gone.success);
  CAF_CHECK(thrown_by([&] { agent.request(c); }).code
            == error_code::no_delegated_grant);
  auto e = thrown_by([&] { agent.revoke_delegation(grant_id); });
  CAF_CHECK(e.code == error_code::no_delegated_grant);
  CAF_CHECK(e.is(error_class::NoDelegatedGrantError));
  auto kept = w.backend.db().grants().find(grant_id);
  CAF_REQUIRE(kept.has_value());
  CAF_CHECK_EQUAL(to_string(kept->status), "active");
  // The app removes another agent's path.
  w.backend.db().grants().delegate(grant_id, w.keys.agents[1].id,
                                   "2026-01-01T00:00:00Z");
  CAF_CHECK_EQUAL(w.agent(1).request(c).status, 200);
  CAF_CHECK(app.revoke_delegation(grant_id, w.keys.agents[1].id).success);
  CAF_CHECK(thrown_by([&] { w.agent(1).request(c); }).code
            == error_code::no_delegated_grant);
  CAF_CHECK(thrown_by([&] { app.revoke_delegation(grant_id, "x"); }).code
            == error_code::invalid_argument);
  // Revoking the grant ends every path, once.
  auto revoked = app.revoke_grant(grant_id, "user left");
  CAF_CHECK(revoked.success);
  CAF_CHECK(!revoked.revoked_at.empty());
  e = thrown_by([&] { app.revoke_grant(grant_id); });
  CAF_CHECK(e.code == error_code::grant_revoked);
  CAF_CHECK(e.is(error_class::GrantRevokedError));
  e = thrown_by([&] { app.revoke_grant("00000000-0000-4000-8000-000000000000"); });
  CAF_CHECK(e.code == error_code::grant_not_found);
  CAF_CHECK(e.is(error_class::GrantNotFoundError));
  CAF_CHECK(thrown_by([&] { app.revoke_grant("nope"); }).code
            == error_code::invalid_argument);
  // The audit trail has the revocation with its reason.
  bool audited = false;
  for (const auto& r : w.backend.db().audit().rows(200))
    audited = audited || (r.action == "grant.revoked" && r.reason == "user left");
  CAF_CHECK(audited);
  // Agents cannot revoke grants.
  auto agent_app = blocking::App{w.client(w.keys.agents[0].api_key), w.env};
  CAF_CHECK(
      thrown_by([&] { agent_app.revoke_grant(w.keys.agents[0].grant_ids[0]); }).code
      == error_code::insufficient_scope);
}

CAF_TEST(an asynchronous user token source feeds identity mode calls) {
  world w{false};
  auto app = w.app();
  connect_account(w, app, "ivan", "ivan-main");
  auto jwt = w.backend.identity().issue(w.keys.app_id, "ivan");
  // The source answers later, from its own actor, as a token refresh would.
  auto asked = std::make_shared<std::atomic<int>>(0);
  auto source = w.env->system().spawn(
      [asked](caf::event_based_actor* self, std::string token) -> caf::behavior {
        return {[=](user_token_atom) -> caf::result<std::string> {
          ++*asked;
          auto rp = self->make_response_promise<std::string>();
          self->delayed_send(self, std::chrono::milliseconds{20}, later_atom::value);
          self->become(caf::keep_behavior, [=](later_atom) mutable {
            rp.deliver(token);
            self->unbecome();
          });
          return rp;
        }};
      },
      jwt);
  auto opts = w.client(w.keys.app_key);
  opts.timeout = 3; // bounds the wait on a source that is gone
  opts.user_token_source = source;
  auto for_ivan = blocking::App{opts, w.env};
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.provider = "sim-bearer";
  CAF_CHECK_EQUAL(for_ivan.request(c).status, 200);
  CAF_CHECK_EQUAL(for_ivan.proxy_request(c).result.status_code, 200);
  CAF_CHECK_EQUAL(asked->load(), 2);
  // Every other call that carries a user token asks it too: list_grants shows
  // ivan's grants, not the app's own.
  auto listed = for_ivan.list_grants();
  CAF_CHECK_EQUAL(listed.total, 1);
  CAF_REQUIRE_EQUAL(listed.grants.size(), 1u);
  CAF_CHECK_EQUAL(listed.grants[0].account_identifier, "ivan-main");
  CAF_CHECK_EQUAL(listed.grants[0].principal_type, "user");
  CAF_CHECK(app.list_grants().total != 1);
  CAF_CHECK_EQUAL(asked->load(), 3);
  // ...and a Connect session without a user_token of its own is ivan's.
  connect_request req;
  req.allowed_providers = {"sim-bearer"};
  auto session = for_ivan.create_connect_session(req);
  CAF_CHECK_EQUAL(asked->load(), 4);
  w.browse("POST", w.path_of_page(session.connect_url) + "/decision", {},
           "decision=approve&account=ivan-second");
  CAF_CHECK_EQUAL(app.poll_connect_session(session.session_token).status, "completed");
  CAF_CHECK_EQUAL(for_ivan.list_grants().total, 2);
  asked->store(2);
  c.account = "ivan-main"; // ivan has two grants of sim-bearer now
  // A per-call token wins; the source is not asked.
  c.user_token = jwt;
  CAF_CHECK_EQUAL(for_ivan.request(c).status, 200);
  CAF_CHECK_EQUAL(asked->load(), 2);
  // A source that is gone: reauth_required, not a hang.
  caf::anon_send_exit(source, caf::exit_reason::user_shutdown);
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  c.user_token.clear();
  auto e = thrown_by([&] { for_ivan.request(c); });
  CAF_CHECK(e.code == error_code::reauth_required);
}

CAF_TEST(an agents user token selects its users delegation and never grants access) {
  world w{false};
  backend::bootstrap_spec spec;
  spec.agents = 2;
  spec.agent_scopes.emplace_back("connect:initiate");
  auto keys = backend::bootstrap(w.backend.db(), spec);
  auto app = blocking::App{w.client(keys.app_key), w.env};
  const auto& agent = keys.agents.at(0);
  auto erin = w.backend.identity().issue(keys.app_id, "erin");
  auto frank = w.backend.identity().issue(keys.app_id, "frank");
  auto gina = w.backend.identity().issue(keys.app_id, "gina");
  auto with_user = [&](std::string jwt) {
    auto o = w.client(agent.api_key);
    o.user_token_getter = [jwt] { return jwt; };
    return blocking::Agent{o, w.env};
  };
  auto for_erin = with_user(erin);
  auto plain = blocking::Agent{w.client(agent.api_key), w.env};
  // Connect-time delegation: the agent starts the session with erin's JWT from
  // its getter; the grant made is erin's and delegated to the agent.
  connect_request req;
  req.allowed_providers = {"sim-bearer"};
  auto session = for_erin.create_connect_session(req);
  w.browse("POST", w.path_of_page(session.connect_url) + "/decision", {},
           "decision=approve&account=erin-acct");
  auto done = for_erin.poll_connect_session(session.session_token);
  CAF_REQUIRE_EQUAL(done.results.size(), 1u);
  auto erin_grant = done.results[0].grant_id;
  auto stored = w.backend.db().grants().find(erin_grant);
  CAF_REQUIRE(stored);
  auto erin_user = w.backend.db().accounts().user_for_subject(keys.app_id, "erin");
  CAF_CHECK(stored->principal_type == backend::principal_type::user);
  CAF_CHECK_EQUAL(stored->principal_id, erin_user.id);
  CAF_CHECK(w.backend.db().grants().is_delegated(erin_grant, agent.id));
  // An agent's session delegates to that agent only.
  connect_request for_other = req;
  for_other.agent_id = keys.agents.at(1).id;
  auto other = thrown_by([&] { for_erin.create_connect_session(for_other); });
  CAF_CHECK(other.code == error_code::connect_config_invalid);
  // frank delegates the same provider to the agent through the app.
  connect_request by_app = req;
  by_app.user_token = frank;
  by_app.agent_id = agent.id;
  auto frank_session = app.create_connect_session(by_app);
  w.browse("POST", w.path_of_page(frank_session.connect_url) + "/decision", {},
           "decision=approve&account=frank-acct");
  CAF_CHECK_EQUAL(app.poll_connect_session(frank_session.session_token).status,
                  "completed");
  // Per call: provider= is ambiguous for the agent alone; erin's JWT picks
  // erin's delegation.
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.provider = "sim-bearer";
  auto e = thrown_by([&] { plain.request(c); });
  CAF_CHECK(e.code == error_code::ambiguous_grant);
  CAF_CHECK_EQUAL(for_erin.proxy_request(c).result.status_code, 200);
  std::string executed_on;
  for (const auto& row : w.backend.db().audit().rows(1000))
    if (row.action == "proxy.executed")
      executed_on = row.grant_id;
  CAF_CHECK_EQUAL(executed_on, erin_grant);
  CAF_CHECK_EQUAL(for_erin.request(c).status, 200);
  // A user who delegated nothing gets no other user's grant.
  e = thrown_by([&] { with_user(gina).request(c); });
  CAF_CHECK(e.code == error_code::no_delegated_grant);
  // The JWT grants no access: the agent sees exactly what it sees without it.
  CAF_CHECK_EQUAL(for_erin.list_grants().total, plain.list_grants().total);
  // A bad JWT from the getter is refused like any other.
  e = thrown_by([&] { with_user("x.y.z").request(c); });
  CAF_CHECK(e.code == error_code::reauth_required);
  // A per-call user_token on an agent key stays refused (the SDK reference).
  c.user_token = erin;
  e = thrown_by([&] { plain.request(c); });
  CAF_CHECK(e.code == error_code::user_token_not_allowed);
  c.user_token.clear();
  // An app acts for a user with x-alter-user-token; a delegation token on an
  // app key that acts as no agent is refused.
  http_request req_raw;
  req_raw.method = "GET";
  req_raw.target = "/v1/grants";
  req_raw.headers = {{std::string{header::delegation_token}, erin}};
  auto answer = w.raw(keys.app_key, req_raw, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(answer.status, 400);
  CAF_CHECK(answer.body.find("x-alter-delegation-token is for agents")
            != std::string::npos);
}

CAF_TEST(a user token getter that throws fails the call and the client lives on) {
  world w{false};
  auto app = w.app();
  connect_account(w, app, "hana", "hana-main");
  auto jwt = w.backend.identity().issue(w.keys.app_id, "hana");
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto opts = w.client(w.keys.app_key);
  opts.user_token_getter = [calls, jwt]() -> std::string {
    if (++*calls == 1)
      throw std::runtime_error("token store down; last token was " + jwt);
    return jwt;
  };
  auto for_hana = blocking::App{opts, w.env};
  auto e = thrown_by([&] { for_hana.list_grants(); });
  CAF_CHECK(e.code == error_code::reauth_required);
  CAF_CHECK(e.is(error_class::ReAuthRequiredError));
  // What the getter threw may hold the token: it is not repeated.
  CAF_CHECK(e.message.find(jwt) == std::string::npos);
  CAF_CHECK(e.message.find("token store down") == std::string::npos);
  // The same client answers the next call.
  CAF_CHECK_EQUAL(for_hana.list_grants().total, 1);
  // An agent's getter is asked only where the agent's user matters.
  auto agent_opts = w.client(w.keys.agents[0].api_key);
  agent_opts.user_token_getter = []() -> std::string { throw std::logic_error("no"); };
  auto agent = blocking::Agent{agent_opts, w.env};
  CAF_CHECK_EQUAL(agent.list_grants().total, 3);
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  e = thrown_by([&] { agent.request(c); });
  CAF_CHECK(e.code == error_code::reauth_required);
  CAF_CHECK_EQUAL(agent.me().id, w.keys.agents[0].id);
  // A getter that names no user cannot resolve provider= for an App: the call
  // fails locally rather than going out as the app's own.
  auto empty_opts = w.client(w.keys.app_key);
  empty_opts.user_token_getter = [] { return std::string{}; };
  auto nobody = blocking::App{empty_opts, w.env};
  provider_call by_provider_only;
  by_provider_only.url = w.provider_url("sim-bearer") + "/v1/items";
  by_provider_only.provider = "sim-bearer";
  e = thrown_by([&] { nobody.request(by_provider_only); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  e = thrown_by([&] { nobody.proxy_request(by_provider_only); });
  CAF_CHECK(e.code == error_code::invalid_argument);
}

namespace {

/// A backend whose clock the test moves (the sign-in throttle reads it).
struct clocked_world : world {
  std::shared_ptr<std::atomic<int64_t>> offset;

  explicit clocked_world(std::shared_ptr<std::atomic<int64_t>> shift
                         = std::make_shared<std::atomic<int64_t>>(0))
      : world(with_clock(shift)), offset(std::move(shift)) {
  }

  static backend::backend_options with_clock(std::shared_ptr<std::atomic<int64_t>> s) {
    auto o = options(false);
    o.clock = [s] { return unix_now() + s->load(); };
    return o;
  }

  /// A sign-in session's page path.
  std::string sign_in_page() {
    return path_of_page(app().create_auth_session().auth_url);
  }

  /// The sign-in form posted straight to the backend, as if from `address`.
  int sign_in_from(const std::string& address, const std::string& path,
                   const std::string& user, const std::string& password) {
    backend::server_request req;
    req.method = "POST";
    req.target = path + "/decision";
    req.headers = {{"Origin", backend.base_url()},
                   {"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = "username=" + user + "&password=" + password;
    req.client_ip = address;
    std::promise<int> status;
    backend.handle(std::move(req),
                   [&status](http_response res) { status.set_value(res.status); });
    return status.get_future().get();
  }
};

} // namespace

CAF_TEST(sign in needs the password and an unknown user gets the same answer) {
  world w{false};
  auto app = w.app();
  backend::set_local_user_password(w.backend.db(), "admin", "the-admin-password");
  auto session = app.create_auth_session();
  auto path = w.path_of_page(session.auth_url);
  // The page says which app the person signs in to, and with whom.
  auto form = w.browse("GET", path).body;
  CAF_CHECK(
      form.find(R"(Sign in to the application <strong id="app-name">demo-app</strong>)")
      != std::string::npos);
  CAF_CHECK(form.find("<code>alter-local-idp</code>") != std::string::npos);
  // The old open form: a typed name alone gives nothing.
  auto bare = w.browse("POST", path + "/decision", {}, "username=admin");
  CAF_CHECK_EQUAL(bare.status, 401);
  auto wrong = sign_in(w, path, "admin", "not-the-password");
  auto unknown = sign_in(w, path, "nobody", "not-the-password");
  CAF_CHECK_EQUAL(wrong.status, 401);
  CAF_CHECK_EQUAL(unknown.status, 401);
  CAF_CHECK_EQUAL(wrong.body, unknown.body);
  CAF_CHECK(wrong.body.find("Wrong user name or password") != std::string::npos);
  CAF_CHECK(wrong.body.find("not-the-password") == std::string::npos);
  // A long password is refused without hashing, with the same answer.
  CAF_CHECK_EQUAL(sign_in(w, path, "admin", std::string(5000, 'x')).body, wrong.body);
  CAF_CHECK_EQUAL(app.poll_auth_session(session.session_token).status, "pending");
  CAF_CHECK_EQUAL(sign_in(w, path, "admin", "the-admin-password").status, 200);
  auto done = app.poll_auth_session(session.session_token);
  CAF_CHECK_EQUAL(done.status, "completed");
  CAF_CHECK_EQUAL(app.verify_user_token(done.user_token).value_or(""), "admin");
  // Failures are audited, without the password.
  int failures = 0;
  for (const auto& r : w.backend.db().audit().rows(100)) {
    failures += r.action == "auth.failed" ? 1 : 0;
    CAF_CHECK(r.reason.find("not-the-password") == std::string::npos);
  }
  CAF_CHECK_EQUAL(failures, 4);
}

CAF_TEST(failed sign ins are throttled per user and per address) {
  clocked_world w;
  backend::set_local_user_password(w.backend.db(), "carol", "carol-password");
  backend::set_local_user_password(w.backend.db(), "dora", "dora-password");
  // Per user: five failures from five addresses lock carol, even for her right
  // password from a sixth, and an unknown name locks the same way.
  for (int i = 0; i < 5; ++i) {
    CAF_CHECK_EQUAL(w.sign_in_from("10.0.0." + std::to_string(i), w.sign_in_page(),
                                   "carol", "guess"),
                    401);
    CAF_CHECK_EQUAL(w.sign_in_from("10.0.1." + std::to_string(i), w.sign_in_page(),
                                   "nobody", "guess"),
                    401);
  }
  auto carol_page = w.sign_in_page();
  CAF_CHECK_EQUAL(w.sign_in_from("10.0.0.9", carol_page, "carol", "carol-password"),
                  429);
  CAF_CHECK_EQUAL(w.sign_in_from("10.0.0.9", w.sign_in_page(), "nobody", "guess"), 429);
  // Others are not locked.
  CAF_CHECK_EQUAL(w.sign_in_from("10.0.0.9", w.sign_in_page(), "dora", "dora-password"),
                  200);
  // The lock ends (30 s for the fifth failure); the session was not spent.
  *w.offset += 31;
  CAF_CHECK_EQUAL(w.sign_in_from("10.0.0.9", carol_page, "carol", "carol-password"),
                  200);
  // Per address: five failures at five names lock the address for every name.
  for (int i = 0; i < 5; ++i)
    CAF_CHECK_EQUAL(w.sign_in_from("10.9.9.9", w.sign_in_page(),
                                   "user" + std::to_string(i), "guess"),
                    401);
  CAF_CHECK_EQUAL(w.sign_in_from("10.9.9.9", w.sign_in_page(), "dora", "dora-password"),
                  429);
  CAF_CHECK_EQUAL(w.sign_in_from("10.9.9.8", w.sign_in_page(), "dora", "dora-password"),
                  200);
  // Over real sockets the lock answers 429 with Retry-After.
  for (int i = 0; i < 5; ++i)
    sign_in(w, w.sign_in_page(), "erin", "guess");
  auto locked = sign_in(w, w.sign_in_page(), "erin", "guess");
  CAF_CHECK_EQUAL(locked.status, 429);
  CAF_CHECK(find_field(locked.headers, "retry-after") != nullptr);
}

CAF_TEST(the throttle doubles its locks and its table stays bounded) {
  int64_t now = 1000;
  backend::sign_in_throttle_settings settings;
  settings.max_entries = 16;
  backend::sign_in_throttle t{[&now] { return now; }, settings};
  for (int i = 0; i < 5; ++i)
    t.failed("carol", "a");
  CAF_CHECK_EQUAL(t.wait_seconds("carol", "b"), 30);
  CAF_CHECK_EQUAL(t.wait_seconds("dora", "a"), 30);
  t.failed("carol", "a");
  CAF_CHECK_EQUAL(t.wait_seconds("carol", "b"), 60);
  for (int i = 0; i < 20; ++i)
    t.failed("carol", "a");
  CAF_CHECK_EQUAL(t.wait_seconds("carol", "b"), 15 * 60);
  t.succeeded("carol", "a");
  CAF_CHECK_EQUAL(t.wait_seconds("carol", "b"), 0);
  CAF_CHECK_EQUAL(t.wait_seconds("dora", "a"), 15 * 60);
  // A flood of names and addresses keeps at most max_entries.
  for (int i = 0; i < 10000; ++i) {
    now += 1;
    t.failed("u" + std::to_string(i), "addr" + std::to_string(i));
  }
  CAF_CHECK_LESS_OR_EQUAL(t.size(), 16u);
  // Names of any length are kept as digests, and still throttled as themselves.
  std::string huge(1024 * 1024, 'n');
  for (int i = 0; i < 5; ++i)
    t.failed(huge, "addr-huge-" + std::to_string(i));
  CAF_CHECK_GREATER(t.wait_seconds(huge, "elsewhere"), 0);
  CAF_CHECK_EQUAL(t.wait_seconds(huge + "x", "elsewhere"), 0);
}

CAF_TEST(the insecure dev flag restores the open sign in) {
  auto opts = world::options(false);
  opts.insecure_dev_sign_in = true;
  world w{opts};
  auto app = w.app();
  auto session = app.create_auth_session();
  auto path = w.path_of_page(session.auth_url);
  auto form = w.browse("GET", path);
  CAF_CHECK(form.body.find("Development sign-in") != std::string::npos);
  CAF_CHECK(form.body.find("type=\"password\"") == std::string::npos);
  CAF_CHECK_EQUAL(w.browse("POST", path + "/decision", {}, "username=admin").status,
                  200);
  auto done = app.poll_auth_session(session.session_token);
  CAF_CHECK_EQUAL(app.verify_user_token(done.user_token).value_or(""), "admin");
}

CAF_TEST(local users are stored as scrypt hashes only) {
  char dir_template[] = "/tmp/alter-users-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  const std::string password = "a-password-" + crypto::random_hex(8);
  {
    backend::sqlite_store db{dir + "/alter.db"};
    backend::set_local_user_password(db, "carol", password);
    CAF_CHECK(backend::check_local_user(db, "carol", password));
    CAF_CHECK(!backend::check_local_user(db, "carol", password + "x"));
    CAF_CHECK(!backend::check_local_user(db, "nobody", password));
    auto stored = db.local_users().password_hash("carol").value_or("");
    CAF_CHECK(stored.rfind("scrypt$15$8$1$", 0) == 0);
    CAF_CHECK(stored.find(password) == std::string::npos);
    // Bad names and passwords are refused, and the message holds no password.
    for (auto [name, pw] : std::vector<std::pair<std::string, std::string>>{
             {"carol", "short"},
             {"bad name", password},
             {"", password},
             {"carol", std::string(1025, 'p')}}) {
      try {
        backend::set_local_user_password(db, name, pw);
        CAF_FAIL("accepted " << name);
      } catch (const std::invalid_argument& e) {
        CAF_CHECK(std::string{e.what()}.find(pw) == std::string::npos);
      }
    }
    // A new password replaces the old one.
    backend::set_local_user_password(db, "carol", "the-second-password");
    CAF_CHECK(!backend::check_local_user(db, "carol", password));
    CAF_CHECK(backend::check_local_user(db, "carol", "the-second-password"));
    backend::set_local_user_password(db, "dora", password);
    CAF_CHECK_EQUAL(backend::list_local_users(db),
                    (std::vector<std::string>{"carol", "dora"}));
    CAF_CHECK(backend::remove_local_user(db, "dora"));
    CAF_CHECK(!backend::remove_local_user(db, "dora"));
    backend::set_local_user_password(db, "erin", password);
  }
  // The database file (and its WAL) never holds the password itself.
  for (auto file : {"/alter.db", "/alter.db-wal"}) {
    std::ifstream in{dir + file, std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    CAF_CHECK(bytes.find(password) == std::string::npos);
  }
  std::string cmd = "rm -rf '" + dir + "'";
  CAF_CHECK_EQUAL(std::system(cmd.c_str()), 0);
}

CAF_TEST(password hashes verify only their password and bounded parameters) {
  backend::scrypt_params fast{10, 8, 1};
  auto h = backend::hash_password("pw-12345678", fast);
  CAF_CHECK(backend::verify_password("pw-12345678", h));
  CAF_CHECK(!backend::verify_password("pw-12345679", h));
  CAF_CHECK(!backend::verify_password("", h));
  // The same password twice: different salts, different hashes.
  CAF_CHECK_NOT_EQUAL(h, backend::hash_password("pw-12345678", fast));
  // Tampered or malformed stored forms never verify, and never ask for 2^30.
  auto tail = h.substr(std::string{"scrypt$10$8$1$"}.size());
  for (auto bad :
       {std::string{"scrypt$30$8$1$"} + tail, std::string{"scrypt$10$99$1$"} + tail,
        std::string{"bcrypt$10$8$1$"} + tail, h.substr(0, h.size() - 2), h + "$",
        std::string{}, std::string{"scrypt$$$$$"}})
    CAF_CHECK(!backend::verify_password("pw-12345678", bad));
}
