// The simulated OAuth 2.0 authorization server, called directly: the code flow
// with PKCE S256, one-time codes, refresh-token rotation and replay revocation,
// revocation by the provider, expiry, client authentication, the consent page and
// its refusals, the token log, the entry cap and hostile requests.
#define CAF_SUITE oauth_server
#include "caf/test/unit_test.hpp"

#include <thread>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/sim/oauth_authorization_server.hpp"
#include "alter/messages/base64.hpp"
#include "alter/net/url.hpp"

using namespace alter;
using namespace alter::backend;

namespace {

constexpr const char* provider = "sim-oauth";
constexpr const char* client = "app";
constexpr const char* secret = "s3cret-value";
constexpr const char* callback = "https://backend.example/oauth/callback";

std::string form_encode(const field_list& xs) {
  std::string out;
  for (const auto& x : xs) {
    if (!out.empty())
      out += '&';
    out += net::percent_encode(x.name) + "=" + net::percent_encode(x.value);
  }
  return out;
}

server_request get(std::string target) {
  server_request req;
  req.method = "GET";
  req.target = std::move(target);
  return req;
}

server_request post(std::string target, std::string body, field_list headers = {}) {
  server_request req;
  req.method = "POST";
  req.target = std::move(target);
  req.headers = std::move(headers);
  req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  req.body = std::move(body);
  return req;
}

std::string header(const http_response& res, std::string_view name) {
  const auto* v = find_field(res.headers, name);
  return v ? *v : std::string{};
}

std::string json_string(const http_response& res, const char* key) {
  auto v = boost::json::parse(res.body);
  const auto* s = v.as_object().if_contains(key);
  return s && s->is_string() ? std::string{s->as_string()} : std::string{};
}

struct pkce {
  std::string verifier = crypto::random_hex(32);
  std::string challenge = base64url_encode(crypto::sha256(verifier));
};

struct tokens {
  std::string access;
  std::string refresh;
};

struct fixture {
  oauth_authorization_server as;

  explicit fixture(oauth_server_options opts = {}) : as(opts) {
    as.add_client(provider, client, secret);
  }

  http_response call(std::string_view rest, const server_request& req) {
    auto res = as.handle(provider, rest, req);
    CAF_REQUIRE(res);
    return std::move(*res);
  }

  field_list authorize_fields(const pkce& p, std::string state = "st-1",
                              std::string scope = "read write") {
    return {{"response_type", "code"},        {"client_id", client},
            {"redirect_uri", callback},       {"state", std::move(state)},
            {"scope", std::move(scope)},      {"code_challenge", p.challenge},
            {"code_challenge_method", "S256"}};
  }

  /// Consent with `decision`; the 303 answer.
  http_response decide(const pkce& p, const std::string& decision,
                       std::string state = "st-1") {
    auto fields = authorize_fields(p, std::move(state));
    fields.push_back({"account", "alice"});
    fields.push_back({"decision", decision});
    return call("/oauth/authorize",
                post("/sim-oauth/oauth/authorize", form_encode(fields)));
  }

  std::string code_for(const pkce& p) {
    auto res = decide(p, "allow");
    CAF_REQUIRE_EQUAL(res.status, 303);
    auto code = net::query_param(header(res, "Location"), "code");
    CAF_REQUIRE(code);
    return *code;
  }

  http_response token(field_list fields, field_list headers = {}) {
    return call("/oauth/token", post("/sim-oauth/oauth/token", form_encode(fields),
                                     std::move(headers)));
  }

  http_response exchange(const std::string& code, const std::string& verifier) {
    return token({{"grant_type", "authorization_code"},
                  {"code", code},
                  {"redirect_uri", callback},
                  {"code_verifier", verifier},
                  {"client_id", client},
                  {"client_secret", secret}});
  }

  http_response refresh(const std::string& refresh_token) {
    return token({{"grant_type", "refresh_token"},
                  {"refresh_token", refresh_token},
                  {"client_id", client},
                  {"client_secret", secret}});
  }

  tokens granted(const http_response& res) {
    CAF_REQUIRE_EQUAL(res.status, 200);
    return {json_string(res, "access_token"), json_string(res, "refresh_token")};
  }

  tokens flow() {
    pkce p;
    return granted(exchange(code_for(p), p.verifier));
  }

  bool live(const std::string& access) {
    return as.check_access_token(provider, access).has_value();
  }
};

std::string error_of(const http_response& res) {
  return json_string(res, "error");
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST(the code flow with PKCE gives tokens that check with the granted scopes) {
  fixture f;
  pkce p;
  auto consent = f.call("/oauth/authorize",
                        get("/sim-oauth/oauth/authorize?"
                            + form_encode(f.authorize_fields(p, "s<\"x\">"))));
  CAF_CHECK_EQUAL(consent.status, 200);
  CAF_CHECK(contains(consent.body, "<title>Authorize</title>"));
  CAF_CHECK(contains(consent.body, "action=\"/sim-oauth/oauth/authorize\""));
  CAF_CHECK(contains(consent.body,
                     "<button name=\"decision\" value=\"allow\" id=\"allow\">"));
  CAF_CHECK(
      contains(consent.body, "<button name=\"decision\" value=\"deny\" id=\"deny\">"));
  CAF_CHECK(contains(consent.body, "id=\"account\""));
  CAF_CHECK(contains(consent.body, "<li>write</li>"));
  CAF_CHECK(contains(consent.body, "value=\"s&lt;&quot;x&quot;&gt;\""));
  CAF_CHECK(!contains(consent.body, "s<\"x\">"));
  auto redirect = f.decide(p, "allow", "s<\"x\">");
  CAF_CHECK_EQUAL(redirect.status, 303);
  auto location = header(redirect, "Location");
  CAF_CHECK(location.rfind(std::string{callback} + "?code=", 0) == 0);
  auto state = net::query_param(location, "state");
  CAF_REQUIRE(state);
  CAF_CHECK_EQUAL(*state, "s<\"x\">");
  auto code = net::query_param(location, "code");
  CAF_REQUIRE(code);
  CAF_CHECK_GREATER_OR_EQUAL(code->size(), 32u);
  auto res = f.exchange(*code, p.verifier);
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto cache = header(res, "Cache-Control");
  CAF_CHECK_EQUAL(cache, "no-store");
  auto body = boost::json::parse(res.body).as_object();
  auto type = std::string{body.at("token_type").as_string()};
  CAF_CHECK_EQUAL(type, "Bearer");
  auto expires_in = body.at("expires_in").as_int64();
  CAF_CHECK_EQUAL(expires_in, 3600);
  auto scope = std::string{body.at("scope").as_string()};
  CAF_CHECK_EQUAL(scope, "read write");
  auto access = std::string{body.at("access_token").as_string()};
  auto refresh = std::string{body.at("refresh_token").as_string()};
  CAF_CHECK_GREATER_OR_EQUAL(access.size(), 32u);
  CAF_CHECK_NOT_EQUAL(access, refresh);
  auto scopes = f.as.check_access_token(provider, access);
  CAF_REQUIRE(scopes);
  auto expected = std::vector<std::string>{"read", "write"};
  CAF_CHECK_EQUAL(*scopes, expected);
  CAF_CHECK(!f.as.check_access_token("other-provider", access));
  CAF_CHECK(!f.as.check_access_token(provider, refresh));
  CAF_CHECK(!f.as.check_access_token(provider, "0000"));
}

CAF_TEST(the default scope is read and HTTP Basic authenticates the client) {
  fixture f;
  pkce p;
  auto fields = f.authorize_fields(p, "st", "");
  fields.push_back({"decision", "allow"});
  auto redirect = f.call("/oauth/authorize",
                         post("/sim-oauth/oauth/authorize", form_encode(fields)));
  CAF_REQUIRE_EQUAL(redirect.status, 303);
  auto code = net::query_param(header(redirect, "Location"), "code");
  CAF_REQUIRE(code);
  auto basic = "Basic " + base64_encode(std::string{client} + ":" + secret);
  auto res = f.token({{"grant_type", "authorization_code"},
                      {"code", *code},
                      {"redirect_uri", callback},
                      {"code_verifier", p.verifier}},
                     {{"Authorization", basic}});
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto scope = json_string(res, "scope");
  CAF_CHECK_EQUAL(scope, "read");
}

CAF_TEST(a wrong verifier is invalid_grant and burns the code) {
  fixture f;
  pkce p;
  auto code = f.code_for(p);
  auto wrong = f.exchange(code, pkce{}.verifier);
  CAF_CHECK_EQUAL(wrong.status, 400);
  auto err = error_of(wrong);
  CAF_CHECK_EQUAL(err, "invalid_grant");
  CAF_CHECK(!contains(wrong.body, code));
  auto again = f.exchange(code, p.verifier);
  auto err2 = error_of(again);
  CAF_CHECK_EQUAL(err2, "invalid_grant");
  auto pkce_plain = f.exchange(f.code_for(p), p.challenge + "x");
  auto err3 = error_of(pkce_plain);
  CAF_CHECK_EQUAL(err3, "invalid_grant");
}

CAF_TEST(a redirect_uri that differs from the authorization request is invalid_grant) {
  fixture f;
  pkce p;
  auto res = f.token({{"grant_type", "authorization_code"},
                      {"code", f.code_for(p)},
                      {"redirect_uri", "https://evil.example/cb"},
                      {"code_verifier", p.verifier},
                      {"client_id", client},
                      {"client_secret", secret}});
  auto err = error_of(res);
  CAF_CHECK_EQUAL(err, "invalid_grant");
}

CAF_TEST(a reused code is invalid_grant and revokes the tokens issued from it) {
  fixture f;
  pkce p;
  auto code = f.code_for(p);
  auto first = f.granted(f.exchange(code, p.verifier));
  CAF_CHECK(f.live(first.access));
  auto reuse = f.exchange(code, p.verifier);
  CAF_CHECK_EQUAL(reuse.status, 400);
  auto err = error_of(reuse);
  CAF_CHECK_EQUAL(err, "invalid_grant");
  CAF_CHECK(!f.live(first.access));
  auto refresh = f.refresh(first.refresh);
  auto err2 = error_of(refresh);
  CAF_CHECK_EQUAL(err2, "invalid_grant");
  // Another authorization is untouched.
  auto other = f.flow();
  CAF_CHECK(f.live(other.access));
}

CAF_TEST(refresh rotates and a replayed refresh token revokes the family) {
  fixture f;
  auto first = f.flow();
  auto bystander = f.flow();
  auto second = f.granted(f.refresh(first.refresh));
  CAF_CHECK_NOT_EQUAL(second.refresh, first.refresh);
  CAF_CHECK_NOT_EQUAL(second.access, first.access);
  CAF_CHECK(f.live(second.access));
  auto third = f.granted(f.refresh(second.refresh));
  CAF_CHECK(f.live(third.access));
  // The rotated token again: a replay.
  auto replay = f.refresh(first.refresh);
  CAF_CHECK_EQUAL(replay.status, 400);
  auto err = error_of(replay);
  CAF_CHECK_EQUAL(err, "invalid_grant");
  CAF_CHECK(!contains(replay.body, first.refresh));
  CAF_CHECK(!f.live(first.access));
  CAF_CHECK(!f.live(second.access));
  CAF_CHECK(!f.live(third.access));
  auto after = f.refresh(third.refresh);
  auto err2 = error_of(after);
  CAF_CHECK_EQUAL(err2, "invalid_grant");
  CAF_CHECK(f.live(bystander.access));
  auto bystander_status = f.refresh(bystander.refresh).status;
  CAF_CHECK_EQUAL(bystander_status, 200);
}

CAF_TEST(a refresh token of another client is invalid_grant) {
  fixture f;
  f.as.add_client(provider, "other", "other-secret");
  auto t = f.flow();
  auto res = f.token({{"grant_type", "refresh_token"},
                      {"refresh_token", t.refresh},
                      {"client_id", "other"},
                      {"client_secret", "other-secret"}});
  auto err = error_of(res);
  CAF_CHECK_EQUAL(err, "invalid_grant");
  // Not a replay: the owner can still refresh.
  auto owner_status = f.refresh(t.refresh).status;
  CAF_CHECK_EQUAL(owner_status, 200);
}

CAF_TEST(revoke_all makes refresh invalid_grant and access tokens dead) {
  fixture f;
  f.as.add_client("sim-other", client, secret);
  auto t = f.flow();
  pkce p;
  auto pending = f.code_for(p);
  f.as.revoke_all(provider);
  CAF_CHECK(!f.live(t.access));
  auto res = f.refresh(t.refresh);
  CAF_CHECK_EQUAL(res.status, 400);
  auto err = error_of(res);
  CAF_CHECK_EQUAL(err, "invalid_grant");
  auto exchanged = f.exchange(pending, p.verifier);
  auto err2 = error_of(exchanged);
  CAF_CHECK_EQUAL(err2, "invalid_grant");
  // A new consent works again.
  auto fresh = f.flow();
  CAF_CHECK(f.live(fresh.access));
}

CAF_TEST(an expired access token fails the check and is counted) {
  oauth_server_options opts;
  opts.access_token_ttl = std::chrono::seconds{0};
  fixture f{opts};
  pkce p;
  auto res = f.exchange(f.code_for(p), p.verifier);
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto expires_in
      = boost::json::parse(res.body).as_object().at("expires_in").as_int64();
  CAF_CHECK_EQUAL(expires_in, 0);
  auto t = f.granted(res);
  auto expired0 = f.as.expired_presentations();
  CAF_CHECK_EQUAL(expired0, 0);
  CAF_CHECK(!f.live(t.access));
  auto expired1 = f.as.expired_presentations();
  CAF_CHECK_EQUAL(expired1, 1);
  // Refreshing in time gives a live token once the TTL is back.
  f.as.set_access_token_ttl(std::chrono::seconds{3600});
  auto next = f.granted(f.refresh(t.refresh));
  CAF_CHECK(f.live(next.access));
  f.as.set_access_token_ttl(std::chrono::seconds{0});
  auto last = f.granted(f.refresh(next.refresh));
  CAF_CHECK(f.live(next.access));
  CAF_CHECK(!f.live(last.access));
  auto expired2 = f.as.expired_presentations();
  CAF_CHECK_EQUAL(expired2, 2);
  // Unknown tokens are not expired ones.
  CAF_CHECK(!f.live("feedface"));
  auto still2 = f.as.expired_presentations();
  CAF_CHECK_EQUAL(still2, 2);
}

CAF_TEST(an expired code is invalid_grant) {
  oauth_server_options opts;
  opts.code_ttl = std::chrono::seconds{0};
  fixture f{opts};
  pkce p;
  auto res = f.exchange(f.code_for(p), p.verifier);
  auto err = error_of(res);
  CAF_CHECK_EQUAL(err, "invalid_grant");
}

CAF_TEST(bad client credentials are 401 invalid_client without the secret) {
  fixture f;
  pkce p;
  auto code = f.code_for(p);
  auto res = f.token({{"grant_type", "authorization_code"},
                      {"code", code},
                      {"redirect_uri", callback},
                      {"code_verifier", p.verifier},
                      {"client_id", client},
                      {"client_secret", "wrong-secret-value"}});
  CAF_CHECK_EQUAL(res.status, 401);
  auto err = error_of(res);
  CAF_CHECK_EQUAL(err, "invalid_client");
  CAF_CHECK(!contains(res.body, "wrong-secret-value"));
  CAF_CHECK(!contains(res.body, secret));
  CAF_CHECK(!contains(res.body, code));
  auto missing = f.token({{"grant_type", "refresh_token"}, {"refresh_token", "x"}});
  CAF_CHECK_EQUAL(missing.status, 401);
  auto unknown = f.token({{"grant_type", "refresh_token"},
                          {"refresh_token", "x"},
                          {"client_id", "nobody"},
                          {"client_secret", secret}});
  CAF_CHECK_EQUAL(unknown.status, 401);
  auto basic = "Basic " + base64_encode(std::string{client} + ":nope");
  auto wrong_basic = f.token({{"grant_type", "refresh_token"}, {"refresh_token", "x"}},
                             {{"Authorization", basic}});
  CAF_CHECK_EQUAL(wrong_basic.status, 401);
  auto garbage = f.token({{"grant_type", "refresh_token"}, {"refresh_token", "x"}},
                         {{"Authorization", "Basic !!!not-base64"}});
  CAF_CHECK_EQUAL(garbage.status, 401);
  auto good_basic = "Basic " + base64_encode(std::string{client} + ":" + secret);
  auto both = f.token({{"grant_type", "refresh_token"},
                       {"refresh_token", "x"},
                       {"client_secret", secret}},
                      {{"Authorization", good_basic}});
  CAF_CHECK_EQUAL(both.status, 400);
  auto err2 = error_of(both);
  CAF_CHECK_EQUAL(err2, "invalid_request");
  // The code was never reached: it still works.
  auto late_status = f.exchange(code, p.verifier).status;
  CAF_CHECK_EQUAL(late_status, 200);
}

CAF_TEST(an unknown client or a bad redirect_uri at authorize is 400 without redirect) {
  fixture f;
  pkce p;
  auto with = [&](std::string name, std::string value) {
    auto fields = f.authorize_fields(p);
    for (auto& x : fields)
      if (x.name == name)
        x.value = value;
    return f.call("/oauth/authorize",
                  get("/sim-oauth/oauth/authorize?" + form_encode(fields)));
  };
  for (auto res :
       {with("client_id", "nobody"), with("client_id", ""),
        with("redirect_uri", "javascript:alert(1)"),
        with("redirect_uri", "https://h/cb#frag"), with("redirect_uri", "/relative"),
        with("redirect_uri", "https://h/" + std::string(3000, 'a')),
        with("response_type", "token"), with("code_challenge", "short"),
        with("code_challenge_method", "plain"), with("state", ""),
        with("state", std::string(600, 's')), with("scope", "a\"b")}) {
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK(find_field(res.headers, "Location") == nullptr);
  }
  auto unknown
      = f.call("/oauth/authorize", post("/sim-oauth/oauth/authorize",
                                        "client_id=nobody&decision=allow&redirect_uri="
                                            + net::percent_encode(callback)));
  CAF_CHECK_EQUAL(unknown.status, 400);
  CAF_CHECK(find_field(unknown.headers, "Location") == nullptr);
}

CAF_TEST(deny redirects with access_denied and the state) {
  fixture f;
  pkce p;
  auto res = f.decide(p, "deny", "a b&c");
  CAF_CHECK_EQUAL(res.status, 303);
  auto location = header(res, "Location");
  CAF_CHECK_EQUAL(location,
                  std::string{callback} + "?error=access_denied&state=a%20b%26c");
  CAF_CHECK(!net::query_param(location, "code"));
  // A redirect_uri with a query gets the parameters appended with '&'.
  auto fields = f.authorize_fields(p);
  fields[2].value = "http://127.0.0.1:8080/cb?x=1";
  fields.push_back({"decision", "deny"});
  auto res2 = f.call("/oauth/authorize",
                     post("/sim-oauth/oauth/authorize", form_encode(fields)));
  auto location2 = header(res2, "Location");
  CAF_CHECK_EQUAL(location2,
                  "http://127.0.0.1:8080/cb?x=1&error=access_denied&state=st-1");
  auto kept = f.as.entries();
  CAF_CHECK_EQUAL(kept, 0u);
}

CAF_TEST(the token log keeps every request without token values) {
  fixture f;
  auto t = f.flow();
  f.refresh(t.refresh);
  f.refresh(t.refresh);
  f.token(
      {{"grant_type", "password"}, {"client_id", client}, {"client_secret", secret}});
  f.token({{"grant_type", "refresh_token"}, {"refresh_token", "x"}});
  auto log = f.as.token_log();
  CAF_REQUIRE_EQUAL(log.size(), 5u);
  CAF_CHECK_EQUAL(log[0].provider_id, provider);
  CAF_CHECK(log[0].grant_type == oauth_grant_type::authorization_code);
  CAF_CHECK(log[0].granted);
  CAF_CHECK_EQUAL(log[0].error, "");
  CAF_CHECK(log[1].grant_type == oauth_grant_type::refresh_token);
  CAF_CHECK(log[1].granted);
  CAF_CHECK(!log[2].granted);
  CAF_CHECK_EQUAL(log[2].error, "invalid_grant");
  CAF_CHECK(log[3].grant_type == oauth_grant_type::unsupported);
  CAF_CHECK_EQUAL(log[3].error, "unsupported_grant_type");
  CAF_CHECK_EQUAL(log[4].error, "invalid_client");
  auto codes = f.as.token_requests(oauth_grant_type::authorization_code);
  CAF_CHECK_EQUAL(codes, 1);
  auto refreshes = f.as.token_requests(oauth_grant_type::refresh_token);
  CAF_CHECK_EQUAL(refreshes, 3);
  auto refreshes_granted = f.as.token_requests(oauth_grant_type::refresh_token, true);
  CAF_CHECK_EQUAL(refreshes_granted, 1);
  auto unsupported = f.as.token_requests(oauth_grant_type::unsupported);
  CAF_CHECK_EQUAL(unsupported, 1);
  // Requests for an unknown provider and non-POSTs are not token requests.
  auto other = f.as.handle("nope", "/oauth/token", post("/nope/oauth/token", ""));
  CAF_REQUIRE(other);
  CAF_CHECK_EQUAL(other->status, 404);
  f.call("/oauth/token", get("/sim-oauth/oauth/token"));
  auto log_size = f.as.token_log().size();
  CAF_CHECK_EQUAL(log_size, 5u);
}

CAF_TEST(codes and tokens kept are capped and the oldest go first) {
  oauth_server_options opts;
  opts.max_live_entries = 10;
  fixture f{opts};
  pkce p;
  auto first_code = f.code_for(p);
  for (int i = 0; i < 30; ++i)
    f.flow();
  auto kept = f.as.entries();
  CAF_CHECK_LESS_OR_EQUAL(kept, 10u);
  auto res = f.exchange(first_code, p.verifier);
  auto err = error_of(res);
  CAF_CHECK_EQUAL(err, "invalid_grant");
  auto newest = f.flow();
  CAF_CHECK(f.live(newest.access));
  auto refresh_status = f.refresh(newest.refresh).status;
  CAF_CHECK_EQUAL(refresh_status, 200);
  auto log_size = f.as.token_log().size();
  CAF_CHECK_EQUAL(log_size, 10u);
  auto codes = f.as.token_requests(oauth_grant_type::authorization_code);
  CAF_CHECK_EQUAL(codes, 32);
}

CAF_TEST(hostile requests get 4xx) {
  fixture f;
  pkce p;
  // Not an AS path: not ours.
  CAF_CHECK(!f.as.handle(provider, "/oauth/other", get("/sim-oauth/oauth/other")));
  CAF_CHECK(!f.as.handle(provider, "", get("/sim-oauth")));
  auto unknown = f.as.handle("nope", "/oauth/authorize", get("/nope/oauth/authorize"));
  CAF_REQUIRE(unknown);
  CAF_CHECK_EQUAL(unknown->status, 404);
  // Bad methods.
  auto put = post("/sim-oauth/oauth/token", "");
  put.method = "PUT";
  auto put_res = f.call("/oauth/token", put);
  CAF_CHECK_EQUAL(put_res.status, 405);
  auto del = get("/sim-oauth/oauth/authorize");
  del.method = "DELETE";
  auto del_res = f.call("/oauth/authorize", del);
  CAF_CHECK_EQUAL(del_res.status, 405);
  // Missing everything.
  auto bare_get = f.call("/oauth/authorize", get("/sim-oauth/oauth/authorize"));
  CAF_CHECK_EQUAL(bare_get.status, 400);
  auto bare_post = f.call("/oauth/authorize", post("/sim-oauth/oauth/authorize", ""));
  CAF_CHECK_EQUAL(bare_post.status, 400);
  auto bare_token = f.call("/oauth/token", post("/sim-oauth/oauth/token", ""));
  CAF_CHECK_EQUAL(bare_token.status, 401);
  // Malformed escapes, repeated and odd fields.
  auto odd = f.call("/oauth/authorize",
                    get("/sim-oauth/oauth/authorize?%zz=%&&&==&client_id=%"));
  CAF_CHECK_EQUAL(odd.status, 400);
  auto fields = f.authorize_fields(p);
  fields.push_back({"state", "second"});
  auto repeated = f.call("/oauth/authorize",
                         get("/sim-oauth/oauth/authorize?" + form_encode(fields)));
  CAF_CHECK_EQUAL(repeated.status, 400);
  auto bad_decision = f.decide(p, "maybe");
  CAF_CHECK_EQUAL(bad_decision.status, 400);
  auto long_account = f.authorize_fields(p);
  long_account.push_back({"account", std::string(200, 'a')});
  long_account.push_back({"decision", "allow"});
  auto long_res = f.call("/oauth/authorize",
                         post("/sim-oauth/oauth/authorize", form_encode(long_account)));
  CAF_CHECK_EQUAL(long_res.status, 400);
  // Huge fields and bodies.
  auto huge_target = f.call("/oauth/authorize", get("/sim-oauth/oauth/authorize?state="
                                                    + std::string(1024 * 1024, 'x')));
  CAF_CHECK_EQUAL(huge_target.status, 400);
  auto huge_body = f.call("/oauth/token", post("/sim-oauth/oauth/token",
                                               "grant_type=refresh_token&refresh_token="
                                                   + std::string(1024 * 1024, 'x')));
  CAF_CHECK_EQUAL(huge_body.status, 400);
  auto huge_code = f.exchange(std::string(60000, 'c'), p.verifier);
  auto err = error_of(huge_code);
  CAF_CHECK_EQUAL(err, "invalid_grant");
  auto huge_basic = f.token({{"grant_type", "refresh_token"}, {"refresh_token", "x"}},
                            {{"Authorization", "Basic " + std::string(20000, 'A')}});
  CAF_CHECK_EQUAL(huge_basic.status, 401);
  // Token request errors by field.
  auto missing_verifier = f.token({{"grant_type", "authorization_code"},
                                   {"code", f.code_for(p)},
                                   {"redirect_uri", callback},
                                   {"client_id", client},
                                   {"client_secret", secret}});
  auto err2 = error_of(missing_verifier);
  CAF_CHECK_EQUAL(err2, "invalid_request");
  auto no_grant = f.token({{"client_id", client}, {"client_secret", secret}});
  auto err3 = error_of(no_grant);
  CAF_CHECK_EQUAL(err3, "invalid_request");
  auto twice = f.token({{"grant_type", "refresh_token"},
                        {"grant_type", "refresh_token"},
                        {"client_id", client},
                        {"client_secret", secret}});
  CAF_CHECK_EQUAL(twice.status, 400);
  auto json_body = post("/sim-oauth/oauth/token", R"({"grant_type":"refresh_token"})");
  json_body.headers = {{"Content-Type", "application/json"}};
  auto json_res = f.call("/oauth/token", json_body);
  auto err4 = error_of(json_res);
  CAF_CHECK_EQUAL(err4, "invalid_request");
  auto access_as_refresh = f.refresh(f.flow().access);
  auto err5 = error_of(access_as_refresh);
  CAF_CHECK_EQUAL(err5, "invalid_grant");
  CAF_CHECK(!f.live(""));
  CAF_CHECK(!f.live(std::string(100000, 'a')));
}

CAF_TEST(concurrent flows from several threads all succeed) {
  fixture f;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 25; ++j) {
        pkce p;
        auto fields = f.authorize_fields(p);
        fields.push_back({"decision", "allow"});
        auto res = f.as.handle(provider, "/oauth/authorize",
                               post("/sim-oauth/oauth/authorize", form_encode(fields)));
        if (!res || res->status != 303)
          continue;
        auto code = net::query_param(find_field(res->headers, "Location")
                                         ? *find_field(res->headers, "Location")
                                         : std::string{},
                                     "code");
        if (!code)
          continue;
        auto token = f.as.handle(provider, "/oauth/token",
                                 post("/sim-oauth/oauth/token",
                                      form_encode({{"grant_type", "authorization_code"},
                                                   {"code", *code},
                                                   {"redirect_uri", callback},
                                                   {"code_verifier", p.verifier},
                                                   {"client_id", client},
                                                   {"client_secret", secret}})));
        if (token && token->status == 200)
          ++ok;
      }
    });
  for (auto& t : threads)
    t.join();
  auto succeeded = ok.load();
  CAF_CHECK_EQUAL(succeeded, 100);
  auto granted = f.as.token_requests(oauth_grant_type::authorization_code, true);
  CAF_CHECK_EQUAL(granted, 100);
}
