#define CAF_SUITE call_preparation
#include "caf/test/unit_test.hpp"

#include <memory>

#include "alter/actors/call_preparation.hpp"
#include "alter/actors/client_settings.hpp"
#include "alter/auth/api_key.hpp"
#include "alter/net/credential_injection.hpp"

using namespace alter;

namespace {

struct fixture {
  client_settings settings;
  provider_call call;

  fixture() {
    settings.api_key = generate_key(key_type::agent);
    settings.timeout = std::chrono::milliseconds{30000};
    call.method = "get";
    call.url = "https://api.example.com/items/{id}";
    call.grant_id = "11111111-2222-3333-4444-555555555555";
    call.path_params = {{"id", "42"}};
    call.query_params = {{"q", "x y"}};
  }

  /// The invalid_argument message for the current call ("" if it was accepted).
  std::string rejection() {
    auto plan = plan_call(call, settings);
    if (plan)
      return {};
    auto e = from_caf_error(plan.error());
    return e.code == error_code::invalid_argument ? e.message : "wrong code";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(call_preparation_tests, fixture)

CAF_TEST(a good call becomes a plan) {
  auto plan = plan_call(call, settings);
  CAF_REQUIRE(plan);
  CAF_CHECK_EQUAL(plan->method, "GET");
  CAF_CHECK_EQUAL(plan->url, "https://api.example.com/items/42?q=x%20y");
  CAF_CHECK_EQUAL(plan->target.target, "/items/42?q=x%20y");
  CAF_CHECK_EQUAL(plan->timeout.count(), 30000);
  call.json = R"({"a":1})";
  call.timeout = 2.5;
  plan = plan_call(call, settings);
  CAF_REQUIRE(plan);
  CAF_CHECK_EQUAL(*find_field(plan->headers, "content-type"), "application/json");
  CAF_CHECK_EQUAL(plan->timeout.count(), 2500);
}

CAF_TEST(bad input is rejected before any I / O) {
  call.method = "BREW";
  CAF_CHECK(rejection().find("method must be") == 0);
  call.method = "GET";
  call.provider = "github";
  CAF_CHECK_EQUAL(rejection(), "exactly one of grant_id and provider must be given");
  call.grant_id.clear();
  CAF_CHECK(rejection().find("provider= resolves the grant") == 0);
  call.provider.clear();
  CAF_CHECK_EQUAL(rejection(), "exactly one of grant_id and provider must be given");
  call.grant_id = "not-a-uuid";
  CAF_CHECK_EQUAL(rejection(), "grant_id must be a UUID");
  call.grant_id = "11111111-2222-3333-4444-555555555555";
  call.json = "{}";
  call.body = "raw";
  CAF_CHECK_EQUAL(rejection(), "give json or body, not both");
  call.body.clear();
  call.path_params.clear();
  CAF_CHECK(rejection().find("{id} has no path_params value") != std::string::npos);
  call.path_params = {{"id", "1"}};
  call.url = "ftp://example.com/{id}";
  CAF_CHECK(rejection().find("url is not usable") == 0);
  call.url = "https://api.example.com/{id}";
  for (auto name : {"Authorization", "cookie", "X-API-Key", "X-Amz-Security-Token"}) {
    call.headers = {{name, "x"}};
    CAF_CHECK(rejection().find("carries credentials") != std::string::npos);
  }
  call.headers = {{"x-alter-caller", "x"}};
  CAF_CHECK(rejection().find("reserved for Alter") != std::string::npos);
  call.headers = {{"X-Trace", "a\r\nX-Evil: 1"}};
  CAF_CHECK(rejection().find("control character") != std::string::npos);
  call.headers.clear();
  call.timeout = -1;
  CAF_CHECK(rejection().find("timeout") == 0);
  call.timeout = 0;
  CAF_CHECK_EQUAL(rejection(), "");
}

CAF_TEST(a user token getter lets provider calls through planning) {
  // The getter is asked when the call is sent (call_backend), not here: a
  // source answering late never holds up planning, and one place asks both.
  auto asked = std::make_shared<int>(0);
  settings.user_token_getter = [asked] {
    ++*asked;
    return std::string{"jwt-123"};
  };
  call.grant_id.clear();
  call.provider = "github";
  auto plan = plan_call(call, settings);
  CAF_REQUIRE(plan);
  CAF_CHECK_EQUAL(plan->user_token, "");
  CAF_CHECK_EQUAL(*asked, 0);
  // Without any user token an app cannot resolve provider=.
  settings.user_token_getter = nullptr;
  CAF_CHECK(!plan_call(call, settings));
  call.user_token = "per-call";
  auto overridden = plan_call(call, settings);
  CAF_REQUIRE(overridden);
  CAF_CHECK_EQUAL(overridden->user_token, "per-call");
}

CAF_TEST(credentials go exactly where the metadata says) {
  token_response t;
  t.access_token = "tok";
  t.injection_header = "Authorization";
  t.injection_format = "Bearer {token}";
  t.additional_credentials = {{"region", "eu"}};
  t.additional_injections
      = {{"query", "api_key", "token"}, {"header", "X-Region", "credential:region"}};
  http_request req{"GET", "/x?a=1", {{"authorization", "user-supplied"}}, {}, 0};
  auto out = net::inject_credential(req, t);
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(out->target, "/x?a=1&api_key=tok");
  CAF_CHECK_EQUAL(out->headers.size(), 2u);
  CAF_CHECK_EQUAL(*find_field(out->headers, "Authorization"), "Bearer tok");
  CAF_CHECK_EQUAL(*find_field(out->headers, "X-Region"), "eu");
  t.additional_injections = {{"cookie", "k", "token"}};
  auto bad = net::inject_credential(req, t);
  CAF_REQUIRE(!bad);
  CAF_CHECK(from_caf_error(bad.error()).code == error_code::malformed_response);
  t.additional_injections = {{"header", "X", "credential:missing"}};
  CAF_CHECK(!net::inject_credential(req, t));
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(a key that would split its header is refused when the client is made) {
  client_options o;
  o.base_url = "http://127.0.0.1:1";
  for (std::string key : {"alter_key_abc\r\nX-Injected: yes", "alter_key_abc\n"}) {
    o.api_key = key;
    auto made = make_client_settings(o);
    CAF_REQUIRE(!made);
    CAF_CHECK(from_caf_error(made.error()).code == error_code::invalid_argument);
  }
  o.api_key = "alter_key_abc";
  CAF_CHECK(make_client_settings(o));
}
