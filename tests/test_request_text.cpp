// The text rule of requests (backend/api/request_text.hpp) on its own: what
// decodes to text, what spells a NUL in JSON, and which error each place gets.
#define CAF_SUITE request_text
#include "caf/test/unit_test.hpp"

#include <string>

#include "alter/backend/api/request_text.hpp"

using namespace alter;
using namespace alter::backend;

namespace {

server_request request(std::string target, std::string body = {}) {
  server_request r;
  r.method = body.empty() ? "GET" : "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

std::string code_of(const server_request& r, body_format f) {
  auto e = refusal_of_text(r, f);
  return e ? std::string{name_of(e->code)} : std::string{"none"};
}

} // namespace

CAF_TEST(percent encoded text is checked once decoded) {
  CAF_CHECK(decodes_to_text("/v1/agents/abc?limit=5"));
  CAF_CHECK(decodes_to_text("/v1/grants?provider_id=caf%C3%A9"));
  CAF_CHECK(decodes_to_text("/v1/x/\xc3\xa9"));
  // A malformed escape stays as it is: its route or decoder refuses it.
  CAF_CHECK(decodes_to_text("/v1/x/%"));
  CAF_CHECK(decodes_to_text("/v1/x/%4"));
  CAF_CHECK(decodes_to_text("/v1/x/%zz"));
  CAF_CHECK(!decodes_to_text("/v1/x/%00"));
  CAF_CHECK(!decodes_to_text(std::string{"/v1/x/a\0b", 9}));
  CAF_CHECK(!decodes_to_text("/v1/x/%FF"));
  CAF_CHECK(!decodes_to_text("/v1/x/%c0%af"));    // overlong '/'
  CAF_CHECK(!decodes_to_text("/v1/x/%ED%A0%80")); // a surrogate
  CAF_CHECK(!decodes_to_text("/v1/x/%E2%82"));    // cut short
  CAF_CHECK(!decodes_to_text("/v1/x/\xff"));      // raw, not encoded
  CAF_CHECK(!decodes_to_text("reason=a%00b&csrf=1"));
}

CAF_TEST(a NUL is found in JSON however it is escaped around) {
  CAF_CHECK(has_escaped_nul(R"({"a":"\u0000"})"));
  CAF_CHECK(has_escaped_nul(R"({"x\u0000":1})"));
  CAF_CHECK(has_escaped_nul(R"({"a":"\\\u0000"})")); // a backslash, then a NUL
  // An escaped backslash and then text, not an escape.
  CAF_CHECK(!has_escaped_nul(R"({"a":"\\u0000"})"));
  CAF_CHECK(has_escaped_nul(R"({"a":"\u0001\u00000"})"));
  CAF_CHECK(!has_escaped_nul(R"({"a":"\u00e9","b":"u0000"})"));
  CAF_CHECK(!has_escaped_nul(R"({"a":"\u000"})"));
  CAF_CHECK(!has_escaped_nul("\\"));
}

CAF_TEST(each place of a request gets its code) {
  CAF_CHECK_EQUAL(code_of(request("/v1/me"), body_format::json), "none");
  CAF_CHECK_EQUAL(code_of(request("/v1/agents/%00"), body_format::json),
                  "invalid_request");
  CAF_CHECK_EQUAL(code_of(request("/connect/%FF"), body_format::form),
                  "invalid_request");
  CAF_CHECK_EQUAL(
      code_of(request("/v1/x", R"({"reason":"a\u0000"})"), body_format::json),
      "invalid_request");
  // Not UTF-8 is not JSON text: the parser's own code.
  CAF_CHECK_EQUAL(code_of(request("/v1/x", "{\"reason\":\"\xff\"}"), body_format::json),
                  "malformed_json");
  CAF_CHECK_EQUAL(
      code_of(request("/v1/x", R"({"url":"https://x/%00"})"), body_format::json),
      "none"); // JSON is not percent-decoded: a proxied URL keeps %00
  CAF_CHECK_EQUAL(
      code_of(request("/approvals/a/decision", "reason=%C0%AF"), body_format::form),
      "invalid_request");
  CAF_CHECK_EQUAL(
      code_of(request("/approvals/login", "token=abc&next=apr_1"), body_format::form),
      "none");
}
