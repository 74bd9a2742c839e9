// What a hostile authorization server or backend sends about OAuth: a token
// endpoint's answer (status from the first byte, body the rest), and the same
// bytes as an error's details as the SDK reads them.
//
// Properties: nothing throws; a granted answer has a token within the limits,
// a lifetime of 1 s to a year and at most 64 scopes, and a problem never
// repeats the answer's bytes beyond a short printable error code; the detail
// readers and connect_request_for_error never throw and never name an id
// longer than 128.
#include <cstddef>
#include <cstdint>
#include <string>

#include "alter/backend/oauth/token_endpoint.hpp"
#include "alter/messages/connect_recovery.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace alter;
  if (size == 0)
    return 0;
  int status = data[0] < 128 ? 200 : 400 + data[0] % 200;
  std::string body{reinterpret_cast<const char*>(data + 1), size - 1};
  backend::token_answer a;
  try {
    a = backend::read_token_answer(status, body);
  } catch (...) {
    FUZZ_CHECK(!"read_token_answer threw");
  }
  if (a.outcome == backend::token_outcome::granted) {
    FUZZ_CHECK(status == 200);
    FUZZ_CHECK(!a.access_token.empty() && a.access_token.size() <= 8192);
    FUZZ_CHECK(a.refresh_token.size() <= 8192);
    FUZZ_CHECK(a.expires_in.count() >= 1 && a.expires_in.count() <= 366 * 24 * 3600);
    FUZZ_CHECK(a.scopes.size() <= 64);
  } else {
    FUZZ_CHECK(a.access_token.empty() && a.refresh_token.empty());
    FUZZ_CHECK(a.problem.size() <= 80);
    for (char c : a.problem)
      FUZZ_CHECK(c >= ' ' && c <= '~');
  }
  try {
    for (auto code : {error_code::reauth_required, error_code::scope_reauth_required,
                      error_code::no_delegated_grant, error_code::ambiguous_grant}) {
      auto e = make_error(code, "fuzz", body);
      (void) e.required_scope();
      (void) e.missing_scopes();
      (void) e.candidates();
      if (auto req = connect_request_for_error(e)) {
        FUZZ_CHECK(req->allowed_providers.size() == 1);
        FUZZ_CHECK(!req->allowed_providers[0].empty()
                   && req->allowed_providers[0].size() <= 128);
        FUZZ_CHECK(req->reauth_grant_id.size() <= 128);
      }
    }
  } catch (...) {
    FUZZ_CHECK(!"an error-detail reader threw");
  }
  return 0;
}
