// Connect: sessions through the API, the consent page a person completes, the
// headless connect() flow (approve, deny, timeout), delegation to an agent, and
// the OAuth provider catalog with its five-minute client cache.
#define CAF_SUITE connect
#include "caf/test/unit_test.hpp"

#include "alter/backend/identity/identity_provider.hpp"

#include "backend_world.hpp"
#include "interactive_flow.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

using results = std::vector<connect_result>;

connect_options quick(std::vector<std::string> providers = {"sim-bearer"}) {
  connect_options o;
  o.providers = std::move(providers);
  o.timeout = 10;
  o.poll_interval = 0.05;
  o.open_browser = false;
  return o;
}

/// The person on the consent page: approves with `account`, or denies.
void decide(world& w, const std::string& url, const std::string& decision,
            const std::string& account = "alice@example.com") {
  auto path = w.path_of_page(url);
  auto form = w.browse("GET", path);
  CAF_CHECK_EQUAL(form.status, 200);
  CAF_CHECK(form.body.find("sim-bearer") != std::string::npos);
  auto done = w.browse("POST", path + "/decision", {},
                       "decision=" + decision + "&account=" + account);
  CAF_CHECK_EQUAL(done.status, 200);
  CAF_CHECK(done.body.find("id=\"outcome\"") != std::string::npos);
}

} // namespace

CAF_TEST(connect returns the grants the user approved and they work) {
  world w{false};
  auto app = w.app();
  interactive_flow<results> flow{
      [&](auto on_url) { return app.connect(quick(), on_url); }};
  decide(w, flow.url(), "approve");
  auto made = flow.result();
  CAF_REQUIRE_EQUAL(made.size(), 1u);
  CAF_CHECK_EQUAL(made[0].provider_id, "sim-bearer");
  CAF_CHECK_EQUAL(made[0].account_identifier, "alice@example.com");
  CAF_CHECK(made[0].scopes == std::vector<std::string>({"read", "write"}));
  // The session named no user: the grant is the app's, and typing an account on
  // the page does not make it anybody's (whoever holds the link could type any).
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = made[0].grant_id;
  CAF_CHECK_EQUAL(app.request(c).status, 200);
  c.user_token = w.backend.identity().issue(w.keys.app_id, "alice@example.com");
  CAF_CHECK(thrown_by([&] { app.request(c); }).code == error_code::grant_not_found);
  auto listed = app.list_grants(grant_query{"sim-bearer", 100, 0});
  bool found = false;
  for (const auto& g : listed.grants)
    found = found
            || (g.grant_id == made[0].grant_id && g.grant_kind == "oauth"
                && g.principal_type == "user");
  CAF_CHECK(found);
}

CAF_TEST(a denied or abandoned connect raises its error) {
  world w{false};
  auto app = w.app();
  interactive_flow<results> denied{
      [&](auto on_url) { return app.connect(quick(), on_url); }};
  decide(w, denied.url(), "deny");
  try {
    denied.result();
    CAF_FAIL("connect returned after a denial");
  } catch (const errors::AlterSDKError& e) {
    CAF_CHECK(e.error().code == error_code::connect_denied);
    CAF_CHECK(e.error().is(error_class::ConnectDeniedError));
  }
  auto opts = quick();
  opts.timeout = 0.3;
  interactive_flow<results> abandoned{
      [&](auto on_url) { return app.connect(opts, on_url); }};
  abandoned.url();
  try {
    abandoned.result();
    CAF_FAIL("connect returned without a decision");
  } catch (const errors::AlterSDKError& e) {
    CAF_CHECK(e.error().code == error_code::connect_timeout);
    CAF_CHECK(e.error().is(error_class::ConnectTimeoutError));
  }
  // Bad options never reach the backend.
  for (auto bad : {0.0, -1.0, 1e9}) {
    auto o = quick();
    o.timeout = bad;
    CAF_CHECK(thrown_by([&] { app.connect(o, [](const std::string&) {}); }).code
              == error_code::invalid_argument);
  }
  auto o = quick({"has space"});
  CAF_CHECK(thrown_by([&] { app.connect(o, [](const std::string&) {}); }).code
            == error_code::invalid_argument);
}

CAF_TEST(sessions created through the api delegate to an agent) {
  world w{false};
  auto app = w.app();
  connect_request req;
  req.allowed_providers = {"sim-bearer"};
  req.agent_id = w.keys.agents[1].id;
  req.grant_policy.default_ttl_seconds = 3600;
  auto session = app.create_connect_session(req);
  CAF_CHECK(session.connect_url.find("/connect/" + session.session_token)
            != std::string::npos);
  CAF_CHECK_EQUAL(app.poll_connect_session(session.session_token).status, "pending");
  decide(w, session.connect_url, "approve", "bob");
  auto status = app.poll_connect_session(session.session_token);
  CAF_CHECK_EQUAL(status.status, "completed");
  CAF_REQUIRE_EQUAL(status.results.size(), 1u);
  auto grant_id = status.results[0].grant_id;
  // The page is single-use.
  CAF_CHECK_EQUAL(w.browse("GET", w.path_of_page(session.connect_url)).status, 409);
  // The agent reaches the delegated grant; the other agent does not.
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = grant_id;
  auto delegate = w.agent(1);
  CAF_CHECK_EQUAL(delegate.request(c).status, 200);
  auto listed = delegate.list_grants();
  bool seen = false;
  for (const auto& g : listed.grants)
    seen = seen || (g.grant_id == grant_id && g.delegated_agent_ids.size() == 1);
  CAF_CHECK(seen);
  auto e = thrown_by([&] { w.agent(0).request(c); });
  CAF_CHECK(e.code == error_code::no_delegated_grant);
  // The grant carries its policy's expiry.
  CAF_CHECK(!w.backend.db().grants().find(grant_id)->expires_at.empty());
  // Errors: an unknown provider, an unknown agent, an unknown session.
  connect_request unknown;
  unknown.allowed_providers = {"nowhere"};
  e = thrown_by([&] { app.create_connect_session(unknown); });
  CAF_CHECK(e.code == error_code::connect_config_invalid);
  CAF_CHECK(e.is(error_class::ConnectConfigError));
  connect_request ghost;
  ghost.agent_id = "00000000-0000-4000-8000-000000000000";
  CAF_CHECK(thrown_by([&] { app.create_connect_session(ghost); }).code
            == error_code::agent_not_found);
  connect_request bad_return;
  bad_return.return_url = "javascript:alert(1)";
  CAF_CHECK(thrown_by([&] { app.create_connect_session(bad_return); }).code
            == error_code::connect_config_invalid);
  CAF_CHECK(thrown_by([&] { app.poll_connect_session("cs_unknown"); }).code
            == error_code::not_found);
  CAF_CHECK(thrown_by([&] { app.poll_connect_session("bad token!"); }).code
            == error_code::invalid_argument);
  // Agents lack connect:initiate.
  auto agent_app = blocking::App{w.client(w.keys.agents[0].api_key), w.env};
  CAF_CHECK(thrown_by([&] { agent_app.create_connect_session(req); }).code
            == error_code::insufficient_scope);
}

CAF_TEST(a managed secret connect session stores what the person typed and grants it) {
  world w{false};
  auto app = w.app();
  auto jwt = w.backend.identity().issue(w.keys.app_id, "mia");
  managed_secret_connect_request req;
  req.provider_id = "sim-bearer";
  req.user_token = jwt;
  req.agent_id = w.keys.agents[1].id;
  auto session = app.create_managed_secret_connect_session(req);
  auto path = w.path_of_page(session.connect_url);
  auto form = w.browse("GET", path);
  CAF_CHECK_EQUAL(form.status, 200);
  CAF_CHECK(form.body.find("type=\"password\" name=\"secret\"") != std::string::npos);
  CAF_CHECK(form.body.find("sim-bearer") != std::string::npos);
  // A bad value is refused and never written back into the page.
  auto bad = w.browse("POST", path + "/decision", {},
                      "decision=approve&secret=line%0Abreak-s3cr3t");
  CAF_CHECK_EQUAL(bad.status, 200);
  CAF_CHECK(bad.body.find("no line breaks") != std::string::npos);
  CAF_CHECK(bad.body.find("s3cr3t") == std::string::npos);
  CAF_CHECK_EQUAL(w.browse("POST", path + "/decision", {}, "decision=approve&secret=")
                          .body.find("Enter the secret")
                      != std::string::npos,
                  true);
  CAF_CHECK_EQUAL(app.poll_connect_session(session.session_token).status, "pending");
  // The person's own key for the provider. The simulated provider accepts any
  // value the backend holds for it, as a real one accepts the user's key.
  const std::string typed = "mias-own-key-7f3a9c2e";
  auto done
      = w.browse("POST", path + "/decision", {}, "decision=approve&secret=" + typed);
  CAF_CHECK_EQUAL(done.status, 200);
  CAF_CHECK(done.body.find(typed) == std::string::npos);
  auto status = app.poll_connect_session(session.session_token);
  CAF_CHECK_EQUAL(status.status, "completed");
  CAF_REQUIRE_EQUAL(status.results.size(), 1u);
  auto grant_id = status.results[0].grant_id;
  auto g = w.backend.db().grants().find(grant_id);
  CAF_REQUIRE(g);
  CAF_CHECK(g->grant_kind == backend::grant_kind::managed_secret);
  CAF_CHECK(g->principal_type == backend::principal_type::user);
  CAF_CHECK_EQUAL(g->principal_id,
                  w.backend.db().accounts().user_for_subject(w.keys.app_id, "mia").id);
  // The agent it was delegated to calls with it: the provider sees the typed
  // secret, injected by Alter.
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = grant_id;
  auto token = w.agent(1).request(c);
  CAF_CHECK_EQUAL(token.status, 200);
  auto stored = w.backend.db().secrets().find(g->managed_secret_id);
  CAF_REQUIRE(stored);
  CAF_CHECK_EQUAL(stored->value, typed);
  CAF_CHECK(thrown_by([&] { w.agent(0).request(c); }).code
            == error_code::no_delegated_grant);
  // Never in an audit row.
  for (const auto& row : w.backend.db().audit().rows(1000))
    CAF_CHECK(row.url.find(typed) == std::string::npos
              && row.reason.find(typed) == std::string::npos);
  // Refused: no provider, an OAuth provider, an unknown one, and a
  // reauth_grant_id with a secret_provider.
  auto e = thrown_by([&] { app.create_managed_secret_connect_session({}); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  managed_secret_connect_request oauth = req;
  oauth.provider_id = "sim-oauth";
  e = thrown_by([&] { app.create_managed_secret_connect_session(oauth); });
  CAF_CHECK(e.code == error_code::connect_config_invalid);
  managed_secret_connect_request nowhere = req;
  nowhere.provider_id = "nowhere";
  e = thrown_by([&] { app.create_managed_secret_connect_session(nowhere); });
  CAF_CHECK(e.code == error_code::connect_config_invalid);
  connect_request both;
  both.secret_provider = "sim-bearer";
  both.reauth_grant_id = grant_id;
  e = thrown_by([&] { app.create_connect_session(both); });
  CAF_CHECK(e.code == error_code::connect_config_invalid);
  // Deny makes nothing.
  auto denied = app.create_managed_secret_connect_session(req);
  w.browse("POST", w.path_of_page(denied.connect_url) + "/decision", {},
           "decision=deny");
  CAF_CHECK_EQUAL(app.poll_connect_session(denied.session_token).status, "denied");
}

CAF_TEST(the consent page escapes what it shows and refuses bad decisions) {
  world w{false};
  auto app = w.app();
  auto session = app.create_connect_session({});
  auto path = w.path_of_page(session.connect_url);
  auto form = w.browse("GET", path);
  CAF_CHECK(form.body.find("sim-apikey") != std::string::npos); // all providers
  auto csp = find_field(form.headers, "content-security-policy");
  CAF_REQUIRE(csp != nullptr);
  CAF_CHECK(csp->find("default-src 'none'") != std::string::npos);
  auto bad = w.browse("POST", path + "/decision", {},
                      "decision=approve&account=%3Cscript%3E");
  CAF_CHECK(bad.body.find("<script>") == std::string::npos);
  CAF_CHECK_EQUAL(app.poll_connect_session(session.session_token).status, "pending");
  CAF_CHECK_EQUAL(w.browse("GET", "/connect/cs_nothing").status, 404);
  CAF_CHECK_EQUAL(w.browse("GET", path + "/other").status, 404);
}

CAF_TEST(the provider catalog is cached for five minutes unless refreshed) {
  world w{false};
  auto app = w.app();
  auto first = app.list_oauth_providers();
  CAF_CHECK_EQUAL(first.providers.size(), 4u);
  CAF_CHECK_EQUAL(first.providers[0].scopes.size(), 2u);
  w.backend.db().grants().put_provider({"sim-late", "http://127.0.0.1:1/late", "Late"});
  CAF_CHECK_EQUAL(app.list_oauth_providers().providers.size(), 4u);
  CAF_CHECK_EQUAL(app.list_oauth_providers(true).providers.size(), 5u);
  CAF_CHECK_EQUAL(w.agent().list_oauth_providers().providers.size(), 5u);
}

CAF_TEST(the consent page names the app the scopes it will get and for how long) {
  world w{false};
  auto app = w.app();
  connect_request req;
  req.allowed_providers = {"sim-oauth", "sim-bearer"};
  req.grant_policy.default_ttl_seconds = 30 * 24 * 3600;
  auto session = app.create_connect_session(req);
  auto form = w.browse("GET", w.path_of_page(session.connect_url));
  CAF_REQUIRE_EQUAL(form.status, 200);
  const auto& page = form.body;
  CAF_CHECK(page.find(R"(the application <strong id="app-name">demo-app</strong> asks)")
            != std::string::npos);
  // What each provider gives: an OAuth provider's scopes, a static one's credential.
  auto oauth_at = page.find(R"(<li id="provider-sim-oauth">)");
  CAF_REQUIRE(oauth_at != std::string::npos);
  auto oauth_item = page.substr(oauth_at, page.find("</li>", oauth_at) - oauth_at);
  CAF_CHECK(oauth_item.find("the scopes <strong>read, write") != std::string::npos);
  auto bearer_at = page.find(R"(<li id="provider-sim-bearer">)");
  CAF_REQUIRE(bearer_at != std::string::npos);
  CAF_CHECK(page.find("the credential you enter below", bearer_at)
            != std::string::npos);
  // How long: the grant policy's 30 days.
  CAF_CHECK(page.find("(in 29 days), unless revoked earlier") != std::string::npos
            || page.find("(in 30 days), unless revoked earlier") != std::string::npos);
  // Without a policy the access lasts until revoked.
  auto open_ended = app.create_connect_session({});
  auto plain = w.browse("GET", w.path_of_page(open_ended.connect_url)).body;
  CAF_CHECK(plain.find(R"(<span id="lifetime">until you or the application revoke it)")
            != std::string::npos);
}
