#define CAF_SUITE json_codec
#include "caf/test/unit_test.hpp"

#include <string>

#include "alter/messages/agent_info.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/grants.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/utf8.hpp"
#include "alter/messages/wire_requests.hpp"

using namespace alter;

namespace {

template <class T>
bool round_trips(const T& x) {
  auto back = from_json<T>(to_json(x));
  return back && *back == x;
}

/// The message of a failed decode (or "" when it succeeded).
template <class T>
std::string decode_error(std::string_view text) {
  auto x = from_json<T>(text);
  if (x)
    return {};
  auto e = from_caf_error(x.error());
  return e.code == error_code::malformed_json ? e.message : "wrong code";
}

token_response sample_token() {
  token_response t;
  t.access_token = "secret-value";
  t.token_type = "Bearer";
  t.expires_in = 3600;
  t.expires_at = "2026-11-28T17:00:00.000Z";
  t.scopes = {"repo", "user:email"};
  t.grant_id = "11111111-2222-3333-4444-555555555555";
  t.provider_id = "github";
  t.scope_mismatch = true;
  t.injection_header = "X-API-Key";
  t.injection_format = "{token}";
  t.additional_credentials = {{"region", "eu-west-1"}};
  t.additional_injections
      = {{"query", "api_key", "token"}, {"header", "X-Region", "credential:region"}};
  return t;
}

grant_item sample_grant() {
  grant_item g;
  g.grant_kind = "managed_secret";
  g.grant_id = "g-1";
  g.provider_id = "stripe";
  g.scopes = {"charges"};
  g.status = "active";
  g.principal_type = "agent";
  g.created_at = "2026-01-01T00:00:00.000Z";
  g.label = "default";
  g.managed_secret_id = "ms_1";
  g.managed_secret_slug = "stripe-agent";
  g.managed_secret_name = "Stripe";
  g.agent_id = "a-1";
  g.delegated_agent_ids = {"a-2", "a-3"};
  return g;
}

} // namespace

CAF_TEST(every wire model round trips) {
  CAF_CHECK(round_trips(sample_token()));
  CAF_CHECK(round_trips(injection{"header", "X-Key", "token"}));
  CAF_CHECK(round_trips(token_request{
      {"g-1", "", "acct", "lbl"}, "because", {{"run_id", "r1"}, {"tool", "search"}}}));
  CAF_CHECK(round_trips(proxy_request{{"", "github", "", ""},
                                      "POST",
                                      "https://api.example.com/x?y=1",
                                      {{"Content-Type", "application/json"}},
                                      base64_encode("{\"a\":1}"),
                                      "reason",
                                      {}}));
  proxy_result r;
  r.approval_id = "apr_1";
  r.status_code = 201;
  r.headers = {{"Content-Type", "text/plain"}};
  r.body_b64 = base64_encode("hello");
  r.body_truncated = true;
  CAF_CHECK(round_trips(r));
  CAF_CHECK_EQUAL(r.body_bytes(), "hello");
  CAF_CHECK(round_trips(pending_approval{
      "apr_2", "https://h/approvals/apr_2", "2026-11-28T17:00:00.000Z", {}}));
  // Each gate with its page, approvers and state.
  pending_approval gated{
      "apr_3",
      "https://h/approvals/apr_3",
      "2026-11-28T17:00:00.000Z",
      {{"https://h/approvals/apr_3#gate-1", {}, "approved", "rule_1"},
       {"https://h/approvals/apr_3#gate-2", {"bob@example.com"}, "pending", ""}}};
  CAF_CHECK(round_trips(gated));
  CAF_CHECK(to_json(gated).find(R"("approvers":["bob@example.com"])")
            != std::string::npos);
  CAF_CHECK(round_trips(sample_grant()));
  grant_list list;
  list.grants = {sample_grant(), sample_grant()};
  list.grants[1].grant_kind = "oauth";
  list.grants[1].account_identifier = "me@example.com";
  list.total = 7;
  list.limit = 2;
  list.offset = 2;
  list.has_more = true;
  CAF_CHECK(round_trips(list));
  agent_info a;
  a.id = "a-1";
  a.app_id = "app-1";
  a.name = "scout";
  a.display_name = "Scout";
  a.status = "inactive";
  a.metadata = {{"team", "search"}};
  CAF_CHECK(round_trips(a));
}

CAF_TEST(malformed input gets an error that names the problem) {
  CAF_CHECK(decode_error<token_response>("").find("not valid JSON")
            != std::string::npos);
  CAF_CHECK(decode_error<token_response>("{\"access_token\":").find("not valid JSON")
            != std::string::npos);
  CAF_CHECK_EQUAL(decode_error<token_response>("[1,2]"), "body must be a JSON object");
  CAF_CHECK_EQUAL(decode_error<token_response>(R"({"grant_id":"g"})"),
                  "field 'access_token' is missing");
  CAF_CHECK_EQUAL(decode_error<token_response>(R"({"access_token":5,"grant_id":"g"})"),
                  "field 'access_token' must be a string");
  CAF_CHECK_EQUAL(
      decode_error<grant_list>(
          R"({"grants":[{"grant_kind":"oauth"}],"total":1,"limit":1,"offset":0,"has_more":false})"),
      "field 'grants[0].grant_id' is missing");
  CAF_CHECK_EQUAL(
      decode_error<grant_list>(
          R"({"grants":[],"total":"1","limit":1,"offset":0,"has_more":false})"),
      "field 'total' must be an integer");
  CAF_CHECK_EQUAL(decode_error<token_request>(R"({"context":{"a":1}})"),
                  "field 'context.a' must be a string");
  CAF_CHECK_EQUAL(decode_error<proxy_result>(R"({"status_code":99999999999})"),
                  "field 'status_code' must be a 32-bit integer");
}

CAF_TEST(deep nesting is rejected without recursion) {
  std::string deep(100000, '[');
  CAF_CHECK(decode_error<agent_info>(deep).find("not valid JSON") != std::string::npos);
  std::string nested = "{\"id\":\"a\",\"name\":\"n\",\"x\":" + std::string(40, '[')
                       + std::string(40, ']') + "}";
  CAF_CHECK(!from_json<agent_info>(nested));
}

CAF_TEST(unknown fields and nulls are tolerated) {
  auto a = from_json<agent_info>(
      R"({"id":"a","name":"n","future_field":{"x":[1]},"display_name":null})");
  CAF_REQUIRE(a);
  CAF_CHECK_EQUAL(a->id, "a");
  CAF_CHECK_EQUAL(a->display_name, "");
}

CAF_TEST(the error envelope round trips and garbage still yields an error) {
  auto e = make_error(error_code::ambiguous_grant, "2 grants match",
                      R"({"candidates":[{"grant_id":"g1"}]})");
  e.request_id = "req_9";
  auto back = parse_error_envelope(409, error_envelope(e));
  CAF_CHECK(back.code == error_code::ambiguous_grant);
  CAF_CHECK_EQUAL(back.message, "2 grants match");
  CAF_CHECK_EQUAL(back.request_id, "req_9");
  CAF_CHECK_EQUAL(back.http_status, 409);
  CAF_CHECK(back.details_json.find("g1") != std::string::npos);
  auto garbage = parse_error_envelope(502, "<html>bad gateway</html>");
  CAF_CHECK(garbage.code == error_code::bad_gateway);
  CAF_CHECK_EQUAL(garbage.http_status, 502);
  CAF_CHECK(parse_error_envelope(500, "").code == error_code::unknown_error);
  CAF_CHECK(parse_error_envelope(429, "").code == error_code::rate_limited);
  auto unknown
      = parse_error_envelope(418, R"({"error":{"code":"teapot"},"request_id":"r"})");
  CAF_CHECK(unknown.code == error_code::unknown_error);
  CAF_CHECK(unknown.message.find("teapot") != std::string::npos);
}

CAF_TEST(field lists read and write as JSON objects) {
  field_list xs{{"run_id", "r1"}, {"tool", "search \"quoted\""}};
  CAF_CHECK(fields_from_json(fields_to_json(xs)) == xs);
  CAF_CHECK_EQUAL(fields_to_json({{"a", "1"}, {"a", "2"}}), R"({"a":"1, 2"})");
  CAF_CHECK(fields_from_json("not json").empty());
  CAF_CHECK(fields_from_json("[1]").empty());
  auto mixed = fields_from_json(R"({"a":"x","b":1,"c":null})");
  CAF_REQUIRE_EQUAL(mixed.size(), 1u);
  CAF_CHECK_EQUAL(mixed[0].name, "a");
}

CAF_TEST(base64 round trips every byte and rejects non canonical text) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t n = 0; n < 8; ++n) {
    auto piece = all.substr(n * 7, n);
    auto back = base64_decode(base64_encode(piece));
    auto back_url = base64url_decode(base64url_encode(piece));
    CAF_CHECK(back && *back == piece);
    CAF_CHECK(back_url && *back_url == piece);
  }
  auto back_all = base64_decode(base64_encode(all));
  CAF_CHECK(back_all && *back_all == all);
  CAF_CHECK_EQUAL(base64_encode("hello"), "aGVsbG8=");
  CAF_CHECK(!base64_decode("aGVsbG8"));
  CAF_CHECK(!base64_decode("aGVsbG9="));
  CAF_CHECK(!base64_decode("aGV$bG8="));
  CAF_CHECK(!base64url_decode("a"));
}

CAF_TEST(UTF - 8 validation follows RFC 3629) {
  for (std::string ok : {"", "plain", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                         "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf"})
    CAF_CHECK(is_valid_utf8(ok));
  for (std::string bad :
       {"\xff", "\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xc3", "\xe2\x82", "a\xf0\x9f\x98"})
    CAF_CHECK(!is_valid_utf8(bad));
  CAF_CHECK_EQUAL(to_valid_utf8("a\xff"
                                "b"),
                  "a\xef\xbf\xbd"
                  "b");
  CAF_CHECK_EQUAL(to_valid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  CAF_CHECK_EQUAL(to_valid_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
}

CAF_TEST(what the codec writes is valid JSON whatever bytes the values hold) {
  audit_entry e;
  e.caller = "\xff\xfe";
  e.run_id = "r\xc0\xaf";
  e.context = {{"k\x80", "v\xed\xa0\x80"}};
  auto text = to_json(e);
  auto back = from_json<audit_entry>(text);
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->caller, "\xef\xbf\xbd\xef\xbf\xbd");
  CAF_CHECK_EQUAL(back->run_id, "r\xef\xbf\xbd\xef\xbf\xbd");
  CAF_REQUIRE_EQUAL(back->context.size(), 1u);
  CAF_CHECK_EQUAL(back->context[0].name, "k\xef\xbf\xbd");
  alter_error err = make_error(error_code::invalid_request, "bad \xff byte");
  CAF_CHECK_EQUAL(parse_error_envelope(400, error_envelope(err)).code,
                  error_code::invalid_request);
}
