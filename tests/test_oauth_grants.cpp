// OAuth grants end to end, on real sockets against the simulated OAuth
// provider (sim-oauth) and its authorization server: Connect through the
// provider's consent page with PKCE, refresh before expiry with one refresh
// per grant under concurrent calls, invalid_grant and rotated-token replay
// turning into ReAuthRequiredError, a provider 401 answered by one refresh and
// one retry, 409 token_refresh_in_progress while someone else holds the lease,
// the background sweep, scope_mismatch, and the audit rows of refreshes.
#define CAF_SUITE oauth_grants
#include "caf/test/unit_test.hpp"

#include <future>
#include <thread>

#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/oauth/token_refresher.hpp"
#include "alter/backend/sim/oauth_authorization_server.hpp"
#include "alter/backend/store/process_identity.hpp"

#include "backend_world.hpp"
#include "interactive_flow.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;
using backend::oauth_grant_type;

/// CAF_CHECK_EQUAL keeps references to its operands: the value is held here.
#define CHECK_VALUE(expr, expected)                                                    \
  do {                                                                                 \
    auto actual_value = (expr);                                                        \
    CAF_CHECK_EQUAL(actual_value, expected);                                           \
  } while (false)

namespace {

using results = std::vector<connect_result>;

connect_options quick() {
  connect_options o;
  o.providers = {"sim-oauth"};
  o.timeout = 10;
  o.poll_interval = 0.05;
  o.open_browser = false;
  return o;
}

std::string location_of(const http_response& res) {
  const auto* at = find_field(res.headers, "location");
  return at == nullptr ? std::string{} : *at;
}

/// Whether a browser lets a form of `page` (served from `page_origin`) end up at
/// `url`: it applies the page's CSP form-action to every redirect the
/// submission follows, not only to the form's own action.
bool form_may_land_at(const http_response& page, const std::string& page_origin,
                      const std::string& url) {
  const auto* csp = find_field(page.headers, "content-security-policy");
  if (csp == nullptr)
    return true;
  auto at = csp->find("form-action ");
  if (at == std::string::npos)
    return true;
  auto sources = csp->substr(at, csp->find(';', at) - at);
  auto origin = url.substr(0, url.find('/', url.find("//") + 2));
  if (origin == page_origin && sources.find("'self'") != std::string::npos)
    return true;
  return (sources + " ").find(" " + origin + " ") != std::string::npos;
}

/// "name=value" of the cookie a response sets ("" for none).
std::string cookie_of(const http_response& res) {
  const auto* set = find_field(res.headers, "set-cookie");
  return set == nullptr ? std::string{} : set->substr(0, set->find(';'));
}

/// The person: continues from the consent page to the provider, decides there
/// (`at_provider` is allow or deny) and follows the redirect back.
http_response walk_consent(world& w, const std::string& connect_url,
                           const std::string& at_provider = "allow") {
  auto path = w.path_of_page(connect_url);
  auto form = w.browse("GET", path);
  CAF_CHECK_EQUAL(form.status, 200);
  CAF_CHECK(form.body.find("id=\"authorize-sim-oauth\"") != std::string::npos);
  auto go = w.browse("POST", path + "/decision", {},
                     "decision=authorize&provider=sim-oauth");
  CAF_REQUIRE_EQUAL(go.status, 303);
  auto authorize = location_of(go);
  // The flow is bound to this browser.
  auto browser = cookie_of(go);
  CAF_CHECK(browser.rfind("alter_connect=", 0) == 0);
  const auto* attributes = find_field(go.headers, "set-cookie");
  CAF_CHECK(attributes->find("HttpOnly") != std::string::npos);
  CAF_CHECK(attributes->find("SameSite=Lax") != std::string::npos);
  CAF_CHECK(attributes->find("Path=/connect/callback") != std::string::npos);
  CAF_REQUIRE(
      authorize.rfind(w.backend.provider_base_url() + "/sim-oauth/oauth/authorize?", 0)
      == 0);
  CAF_CHECK(authorize.find("code_challenge_method=S256") != std::string::npos);
  CAF_CHECK(form_may_land_at(form, w.backend.base_url(), authorize));
  auto consent = w.fetch("GET", authorize);
  CAF_CHECK_EQUAL(consent.status, 200);
  auto query = authorize.substr(authorize.find('?') + 1);
  auto back = w.fetch("POST", authorize.substr(0, authorize.find('?')),
                      query + "&decision=" + at_provider + "&account=alice");
  CAF_REQUIRE_EQUAL(back.status, 303);
  auto callback = location_of(back);
  CAF_REQUIRE(callback.rfind(w.backend.base_url() + "/connect/callback?", 0) == 0);
  CAF_CHECK(form_may_land_at(consent, w.backend.provider_base_url(), callback));
  return w.fetch("GET", callback, {}, {}, browser);
}

/// Connects the app's user at sim-oauth; the grant's id.
std::string connect_oauth(world& w, blocking::App& app) {
  interactive_flow<results> flow{
      [&](auto on_url) { return app.connect(quick(), on_url); }};
  auto done = walk_consent(w, flow.url());
  CAF_CHECK_EQUAL(done.status, 200);
  auto made = flow.result();
  CAF_REQUIRE_EQUAL(made.size(), 1u);
  CAF_CHECK_EQUAL(made[0].provider_id, "sim-oauth");
  return made[0].grant_id;
}

provider_call call_of(world& w, const std::string& grant_id) {
  provider_call c;
  c.url = w.provider_url("sim-oauth") + "/v1/items";
  c.grant_id = grant_id;
  return c;
}

/// Makes the backend believe the grant's access token expired a second ago.
void expire_in_store(world& w, const std::string& grant_id) {
  auto row = w.backend.db().oauth().find_tokens(grant_id);
  CAF_REQUIRE(row.has_value());
  row->expires_at = backend::now_iso8601(std::chrono::seconds{-1});
  w.backend.db().oauth().put_tokens(*row);
}

int64_t refreshes(world& w, bool granted_only = false) {
  return w.backend.oauth_server()->token_requests(oauth_grant_type::refresh_token,
                                                  granted_only);
}

std::vector<backend::audit_record> rows_of(world& w, const std::string& action) {
  std::vector<backend::audit_record> out;
  for (auto& r : calls_audited(w.backend.db()))
    if (r.action == action)
      out.push_back(std::move(r));
  return out;
}

backend::backend_options plain() {
  auto o = world::options(false);
  o.refresh.max_wait = std::chrono::milliseconds{300};
  return o;
}

} // namespace

CAF_TEST(connect runs the authorization code flow and the grant works in both modes) {
  temp_dir dir;
  auto o = plain();
  o.database_path = dir.path + "/alter.db";
  world w{o};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  CAF_CHECK_EQUAL(app.request(call_of(w, grant_id)).status, 200);
  auto proxied = app.proxy_request(call_of(w, grant_id));
  CAF_CHECK_EQUAL(proxied.result.status_code, 200);
  CHECK_VALUE(w.backend.oauth_server()->token_requests(
                  oauth_grant_type::authorization_code, true),
              1);
  CHECK_VALUE(refreshes(w), 0);
  bool listed = false;
  for (const auto& g : app.list_grants(grant_query{"sim-oauth", 100, 0}).grants)
    listed = listed || (g.grant_id == grant_id && g.grant_kind == "oauth");
  CAF_CHECK(listed);
  auto completed = rows_of(w, "connect.completed");
  CAF_REQUIRE_EQUAL(completed.size(), 1u);
  CHECK_VALUE(completed[0].grant_id, grant_id);
  CHECK_VALUE(completed[0].provider_id, "sim-oauth");
  // The tokens are sealed at rest: neither is in the database file.
  auto row = w.backend.db().oauth().find_tokens(grant_id);
  CAF_REQUIRE(row.has_value());
  auto file = read_file(o.database_path) + read_file(o.database_path + "-wal");
  CAF_CHECK(file.find(row->access_token) == std::string::npos);
  CAF_CHECK(file.find(row->refresh_token) == std::string::npos);
}

CAF_TEST(a denial at the provider is ConnectDeniedError and a callback is served once) {
  world w{plain()};
  auto app = w.app();
  interactive_flow<results> flow{
      [&](auto on_url) { return app.connect(quick(), on_url); }};
  auto url = flow.url();
  auto path = w.path_of_page(url);
  auto go = w.browse("POST", path + "/decision", {},
                     "decision=authorize&provider=sim-oauth");
  auto authorize = location_of(go);
  auto query = authorize.substr(authorize.find('?') + 1);
  auto back = w.fetch("POST", authorize.substr(0, authorize.find('?')),
                      query + "&decision=deny");
  auto callback = location_of(back);
  CAF_CHECK(callback.find("error=access_denied") != std::string::npos);
  CAF_CHECK_EQUAL(w.fetch("GET", callback, {}, {}, cookie_of(go)).status, 200);
  auto e = thrown_by([&] { flow.result(); });
  CAF_CHECK(e.code == error_code::connect_denied);
  // The state is spent: the same callback again is an unknown link.
  CAF_CHECK_EQUAL(w.fetch("GET", callback, {}, {}, cookie_of(go)).status, 400);
  CAF_CHECK_EQUAL(
      w.fetch("GET", w.backend.base_url() + "/connect/callback?state=x&code=y").status,
      400);
}

CAF_TEST(concurrent calls on an expired token make exactly one refresh) {
  world w{plain()};
  auto* server = w.backend.oauth_server();
  // The first token lives one second; it has expired at the provider too.
  server->set_access_token_ttl(std::chrono::seconds{1});
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  server->set_access_token_ttl(std::chrono::seconds{3600});
  std::this_thread::sleep_for(std::chrono::milliseconds{1100});
  auto old = w.backend.db().oauth().find_tokens(grant_id);
  constexpr int threads = 32;
  constexpr int calls = 8;
  std::vector<std::future<int>> ok;
  for (int t = 0; t < threads; ++t)
    ok.push_back(std::async(std::launch::async, [&] {
      auto client = w.app();
      int n = 0;
      for (int i = 0; i < calls; ++i) {
        auto c = call_of(w, grant_id);
        if (i % 2 == 0)
          n += client.request(c).status == 200 ? 1 : 0;
        else
          n += client.proxy_request(c).result.status_code == 200 ? 1 : 0;
      }
      return n;
    }));
  int succeeded = 0;
  for (auto& f : ok)
    succeeded += f.get();
  CHECK_VALUE(succeeded, threads * calls);
  CHECK_VALUE(refreshes(w), 1);
  // None reached the provider with an expired token.
  CHECK_VALUE(server->expired_presentations(), 0);
  auto now = w.backend.db().oauth().find_tokens(grant_id);
  CAF_REQUIRE(now && old);
  CAF_CHECK(now->access_token != old->access_token);
  CAF_CHECK(now->refresh_token != old->refresh_token);
  CHECK_VALUE(now->generation, old->generation + 1);
  auto refreshed = rows_of(w, "token.refreshed");
  CAF_REQUIRE_EQUAL(refreshed.size(), 1u);
  CAF_CHECK(refreshed[0].outcome == backend::audit_outcome::success);
  CAF_CHECK_EQUAL(refreshed[0].grant_id, grant_id);
  // No token in any row of the trail.
  for (const auto& r : calls_audited(w.backend.db()))
    for (const auto* token : {&now->access_token, &now->refresh_token,
                              &old->access_token, &old->refresh_token})
      for (const auto* field :
           {&r.url, &r.reason, &r.context_json, &r.request_headers_json,
            &r.request_body, &r.error_code})
        CAF_CHECK(field->find(*token) == std::string::npos);
}

CAF_TEST(a revoked authorization makes the grant need a new consent) {
  world w{plain()};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  w.backend.oauth_server()->revoke_all("sim-oauth");
  expire_in_store(w, grant_id);
  auto e = thrown_by([&] { app.request(call_of(w, grant_id)); });
  CAF_CHECK(e.code == error_code::reauth_required);
  CAF_CHECK(e.details_json.find(grant_id) != std::string::npos);
  CAF_CHECK(e.details_json.find("sim-oauth") != std::string::npos);
  // The grant stays flagged: later calls fail at once, without asking again.
  auto again = thrown_by([&] { app.proxy_request(call_of(w, grant_id)); });
  CAF_CHECK(again.code == error_code::reauth_required);
  CHECK_VALUE(refreshes(w), 1);
  auto refreshed = rows_of(w, "token.refreshed");
  CAF_REQUIRE_EQUAL(refreshed.size(), 1u);
  CAF_CHECK(refreshed[0].outcome == backend::audit_outcome::error);
  CAF_CHECK_EQUAL(refreshed[0].error_code, "reauth_required");
}

CAF_TEST(a rotated refresh token used again is caught and the grant flagged) {
  world w{plain()};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  auto stale = w.backend.db().oauth().find_tokens(grant_id);
  CAF_REQUIRE(stale.has_value());
  expire_in_store(w, grant_id);
  CAF_CHECK_EQUAL(app.request(call_of(w, grant_id)).status, 200);
  auto current = w.backend.db().oauth().find_tokens(grant_id);
  // A stale instance writes back what it had: the old, already used refresh
  // token, believed expired.
  stale->expires_at = backend::now_iso8601(std::chrono::seconds{-1});
  w.backend.db().oauth().put_tokens(*stale);
  auto e = thrown_by([&] { app.request(call_of(w, grant_id)); });
  CAF_CHECK(e.code == error_code::reauth_required);
  // The provider revoked the whole family: the newer access token is dead too.
  CAF_CHECK(!w.backend.oauth_server()->check_access_token("sim-oauth",
                                                          current->access_token));
  CHECK_VALUE(refreshes(w), 2);
  CHECK_VALUE(refreshes(w, true), 1);
}

CAF_TEST(a provider 401 on a token believed valid means one refresh and one retry) {
  world w{plain()};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  auto row = w.backend.db().oauth().find_tokens(grant_id);
  CAF_REQUIRE(row.has_value());
  // The provider forgot the access token early; the backend still trusts it.
  row->access_token = "revoked-at-the-provider";
  w.backend.db().oauth().put_tokens(*row);
  auto res = app.proxy_request(call_of(w, grant_id));
  CAF_CHECK_EQUAL(res.result.status_code, 200);
  CHECK_VALUE(refreshes(w), 1);
  // A provider that refuses every token is not retried in a loop.
  w.backend.oauth_server()->set_access_token_ttl(std::chrono::seconds{3600});
  row = w.backend.db().oauth().find_tokens(grant_id);
  row->access_token = "also-unknown";
  row->refresh_token = "unknown-refresh-token";
  w.backend.db().oauth().put_tokens(*row);
  auto e = thrown_by([&] { app.proxy_request(call_of(w, grant_id)); });
  CAF_CHECK(e.code == error_code::reauth_required);
  CHECK_VALUE(refreshes(w), 2);
}

CAF_TEST(a caller waits for a refresh held elsewhere and then gets a retryable 409) {
  world w{plain()};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  expire_in_store(w, grant_id);
  // Another instance holds the lease for a minute.
  CAF_REQUIRE(w.backend.db().oauth().take_lease(
      grant_id, "another-instance", backend::now_iso8601(),
      backend::now_iso8601(std::chrono::seconds{60})));
  auto e = thrown_by([&] { app.request(call_of(w, grant_id)); });
  CAF_CHECK(e.code == error_code::token_refresh_in_progress);
  CAF_CHECK_EQUAL(e.http_status, 409);
  CAF_CHECK(e.retries.attempts > 1);
  CHECK_VALUE(refreshes(w), 0);
  // The other instance finishes: the waiting is over.
  w.backend.db().oauth().release_lease(grant_id, "another-instance");
  CAF_CHECK_EQUAL(app.request(call_of(w, grant_id)).status, 200);
  CHECK_VALUE(refreshes(w), 1);
}

CAF_TEST(the sweep refreshes tokens about to expire without any call) {
  auto o = plain();
  o.sweep.interval = std::chrono::milliseconds{100};
  world w{o};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  auto row = w.backend.db().oauth().find_tokens(grant_id);
  row->expires_at = backend::now_iso8601(std::chrono::seconds{30});
  w.backend.db().oauth().put_tokens(*row);
  // The server answers before the new tokens are stored: wait for the row.
  auto before = row->generation;
  for (int i = 0;
       i < 100 && w.backend.db().oauth().find_tokens(grant_id)->generation == before;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  CHECK_VALUE(refreshes(w, true), 1);
  auto after = w.backend.db().oauth().find_tokens(grant_id);
  CHECK_VALUE(after->generation, before + 1);
  CAF_CHECK(after->expires_at > backend::now_iso8601(std::chrono::seconds{3000}));
}

CAF_TEST(scopes an operator adds later flag the grant and its 403 asks for consent) {
  world w{plain()};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  auto provider = w.backend.db().grants().find_provider("sim-oauth");
  CAF_REQUIRE(provider.has_value());
  provider->required_scopes = {"read", "admin"};
  w.backend.db().grants().put_provider(*provider);
  bool flagged = false;
  for (const auto& g : app.list_grants(grant_query{"sim-oauth", 100, 0}).grants)
    flagged = flagged || (g.grant_id == grant_id && g.scope_mismatch);
  CAF_CHECK(flagged);
  auto proxied = thrown_by([&] { app.proxy_request(call_of(w, grant_id)); });
  CAF_CHECK(proxied.code == error_code::scope_reauth_required);
  auto direct = thrown_by([&] { app.request(call_of(w, grant_id)); });
  CAF_CHECK(direct.code == error_code::scope_reauth_required);
}

CAF_TEST(the session a re - authorisation error makes gives the same grant new tokens) {
  world w{plain()};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  w.backend.oauth_server()->revoke_all("sim-oauth");
  expire_in_store(w, grant_id);
  auto e = thrown_by([&] { app.request(call_of(w, grant_id)); });
  CAF_REQUIRE(e.code == error_code::reauth_required);
  auto session = app.create_connect_session_for_error(errors::AlterSDKError{e});
  auto done = walk_consent(w, session.connect_url);
  CAF_CHECK_EQUAL(done.status, 200);
  auto status = app.poll_connect_session(session.session_token);
  CHECK_VALUE(status.status, "completed");
  CAF_REQUIRE_EQUAL(status.results.size(), 1u);
  CHECK_VALUE(status.results[0].grant_id, grant_id);
  CHECK_VALUE(status.results[0].operation, "reauth");
  // The grant works again; no second grant was made.
  CAF_CHECK_EQUAL(app.proxy_request(call_of(w, grant_id)).result.status_code, 200);
  CHECK_VALUE(app.list_grants(grant_query{"sim-oauth", 100, 0}).grants.size(), 1u);
  CAF_CHECK(w.backend.db().oauth().find_tokens(grant_id)->state
            == backend::oauth_token_state::valid);
}

CAF_TEST(the session a scope error makes asks for the required scopes) {
  world w{plain()};
  auto app = w.app();
  auto grant_id = connect_oauth(w, app);
  auto provider = w.backend.db().grants().find_provider("sim-oauth");
  provider->required_scopes = {"read", "admin"};
  w.backend.db().grants().put_provider(*provider);
  auto e = thrown_by([&] { app.proxy_request(call_of(w, grant_id)); });
  CAF_REQUIRE(e.code == error_code::scope_reauth_required);
  CAF_CHECK(e.missing_scopes() == std::vector<std::string>{"admin"});
  // request() names the grant and the scopes too.
  auto direct = thrown_by([&] { app.request(call_of(w, grant_id)); });
  CAF_REQUIRE(direct.code == error_code::scope_reauth_required);
  CAF_CHECK(direct.missing_scopes() == std::vector<std::string>{"admin"});
  CHECK_VALUE(direct.detail("grant_id"), grant_id);
  auto session = app.create_connect_session_for_error(errors::AlterSDKError{direct});
  walk_consent(w, session.connect_url);
  auto status = app.poll_connect_session(session.session_token);
  CAF_REQUIRE_EQUAL(status.results.size(), 1u);
  CHECK_VALUE(status.results[0].operation, "reauth");
  auto& scopes = status.results[0].scopes;
  CAF_CHECK(std::find(scopes.begin(), scopes.end(), "admin") != scopes.end());
  CAF_CHECK_EQUAL(app.proxy_request(call_of(w, grant_id)).result.status_code, 200);
  for (const auto& g : app.list_grants(grant_query{"sim-oauth", 100, 0}).grants)
    CAF_CHECK(!g.scope_mismatch);
}

CAF_TEST(errors a consent cannot fix and grants it cannot renew are refused) {
  world w{plain()};
  auto app = w.app();
  auto policy = make_error(error_code::policy_denied, "no");
  auto refused = thrown_by(
      [&] { app.create_connect_session_for_error(errors::AlterSDKError{policy}); });
  CAF_CHECK(refused.code == error_code::invalid_argument);
  // A managed secret is not renewed by a consent; another app's id is unknown.
  connect_request r;
  r.reauth_grant_id = w.keys.system_grant_ids[0];
  CAF_CHECK(thrown_by([&] { app.create_connect_session(r); }).code
            == error_code::connect_config_invalid);
  r.reauth_grant_id = "00000000-0000-4000-8000-000000000000";
  CAF_CHECK(thrown_by([&] { app.create_connect_session(r); }).code
            == error_code::grant_not_found);
  auto grant_id = connect_oauth(w, app);
  r.reauth_grant_id = grant_id;
  r.allowed_providers = {"sim-bearer"};
  CAF_CHECK(thrown_by([&] { app.create_connect_session(r); }).code
            == error_code::connect_config_invalid);
  // An agent without a grant for the provider: the session delegates to it.
  auto agent = w.agent();
  provider_call c;
  c.provider = "sim-oauth";
  c.url = w.provider_url("sim-oauth") + "/v1/items";
  auto missing = thrown_by([&] { agent.request(c); });
  CAF_REQUIRE(missing.code == error_code::no_delegated_grant);
  auto session = app.create_connect_session_for_error(errors::AlterSDKError{missing});
  walk_consent(w, session.connect_url);
  auto status = app.poll_connect_session(session.session_token);
  CAF_REQUIRE_EQUAL(status.results.size(), 1u);
  CHECK_VALUE(status.results[0].operation, "creation");
  CAF_CHECK_EQUAL(agent.request(c).status, 200);
}

CAF_TEST(an authorization begun in one browser completes nothing in another) {
  world w{plain()};
  auto app = w.app();
  interactive_flow<results> flow{
      [&](auto on_url) { return app.connect(quick(), on_url); }};
  auto path = w.path_of_page(flow.url());
  // Mallory begins the authorization and sends its URL to Alice.
  auto go = w.browse("POST", path + "/decision", {},
                     "decision=authorize&provider=sim-oauth");
  auto authorize = location_of(go);
  auto query = authorize.substr(authorize.find('?') + 1);
  auto back = w.fetch("POST", authorize.substr(0, authorize.find('?')),
                      query + "&decision=allow&account=alice");
  auto callback = location_of(back);
  // Alice's browser has no cookie, or another one: nothing is completed.
  CAF_CHECK_EQUAL(w.fetch("GET", callback).status, 400);
  CAF_CHECK_EQUAL(
      w.fetch("GET", callback, {}, {}, "alter_connect=" + std::string(64, 'a')).status,
      400);
  CHECK_VALUE(app.poll_connect_session(path.substr(path.rfind('/') + 1)).status,
              "pending");
  CHECK_VALUE(
      w.backend.oauth_server()->token_requests(oauth_grant_type::authorization_code),
      0);
  // The browser that began it still can (the wrong tries burnt nothing).
  CAF_CHECK_EQUAL(w.fetch("GET", callback, {}, {}, cookie_of(go)).status, 200);
  CAF_CHECK_EQUAL(flow.result().size(), 1u);
}

CAF_TEST(only the app renews a grant and only for the grant owner) {
  world w{plain()};
  auto app = w.app();
  auto erin = w.backend.identity().issue(w.keys.app_id, "erin");
  connect_request mine;
  mine.allowed_providers = {"sim-oauth"};
  mine.user_token = erin;
  auto made = app.create_connect_session(mine);
  walk_consent(w, made.connect_url);
  auto status = app.poll_connect_session(made.session_token);
  CAF_REQUIRE_EQUAL(status.results.size(), 1u);
  auto grant_id = status.results[0].grant_id;
  // Without erin's token the session would be the app's: it may not renew hers.
  connect_request renew;
  renew.reauth_grant_id = grant_id;
  auto e = thrown_by([&] { app.create_connect_session(renew); });
  CAF_CHECK(e.code == error_code::connect_config_invalid
            || e.code == error_code::grant_not_found);
  // Nor may a session whose grants go to an agent.
  renew.user_token = erin;
  renew.agent_id = w.keys.agents[0].id;
  CAF_CHECK(thrown_by([&] { app.create_connect_session(renew); }).code
            == error_code::connect_config_invalid);
  renew.agent_id.clear();
  auto session = app.create_connect_session(renew);
  walk_consent(w, session.connect_url);
  auto renewed = app.poll_connect_session(session.session_token);
  CAF_REQUIRE_EQUAL(renewed.results.size(), 1u);
  CHECK_VALUE(renewed.results[0].grant_id, grant_id);
  CHECK_VALUE(renewed.results[0].operation, "reauth");
}

CAF_TEST(allow on the Connect page does not end a session of OAuth providers only) {
  world w{plain()};
  auto app = w.app();
  connect_request r;
  r.allowed_providers = {"sim-oauth"};
  auto s = app.create_connect_session(r);
  auto path = w.path_of_page(s.connect_url);
  auto answer
      = w.browse("POST", path + "/decision", {}, "decision=approve&account=mallory");
  CAF_CHECK(answer.body.find("Continue to the provider") != std::string::npos);
  CHECK_VALUE(app.poll_connect_session(s.session_token).status, "pending");
}
