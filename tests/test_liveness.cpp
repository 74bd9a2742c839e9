// One rule for "usable now" (backend/access/liveness.hpp): keys and grants
// expire at the same instant, and an unreadable expiry fails closed.
#define CAF_SUITE liveness
#include "caf/test/unit_test.hpp"

#include "alter/backend/access/liveness.hpp"

using namespace alter;
using namespace alter::backend;

namespace {

time_point at(const char* iso) {
  auto t = parse_timestamp(iso);
  CAF_REQUIRE(t.has_value());
  return *t;
}

} // namespace

CAF_TEST(timestamps parse as the store writes them and nothing else) {
  CAF_CHECK(at("2026-11-28T16:09:32.123Z") - at("2026-11-28T16:09:32Z")
            == std::chrono::milliseconds{123});
  CAF_CHECK(at("2026-11-29T00:00:00Z") - at("2026-11-28T23:59:59Z")
            == std::chrono::seconds{1});
  for (const char* bad : {"", "2026-11-28 16:09:32Z", "2026-13-28T16:09:32Z",
                          "2026-11-28T16:09:32", "9", "2026-11-28T16:09:32.12a4Z"})
    CAF_CHECK(!parse_timestamp(bad).has_value());
}

CAF_TEST(keys and grants expire at the same instant) {
  auto expiry = "2026-11-28T16:09:32.000Z";
  key_record k;
  k.status = key_status::active;
  k.expires_at = expiry;
  grant_record g;
  g.status = grant_status::active;
  g.expires_at = expiry;
  auto before = at(expiry) - std::chrono::milliseconds{1};
  CAF_CHECK(key_is_live(k, before));
  CAF_CHECK(!grant_unusable(g, before).has_value());
  CAF_CHECK(!key_is_live(k, at(expiry)));
  CAF_CHECK(grant_unusable(g, at(expiry)) == error_code::grant_expired);
  CAF_CHECK(effective_grant_status(g, at(expiry)) == grant_status::expired);
}

CAF_TEST(revocation wins and an unreadable expiry counts as expired) {
  auto now = at("2026-11-28T16:09:32Z");
  key_record k;
  k.status = key_status::revoked;
  CAF_CHECK(!key_is_live(k, now));
  k.status = key_status::active;
  CAF_CHECK(key_is_live(k, now));
  k.expires_at = "next tuesday";
  CAF_CHECK(!key_is_live(k, now));
  grant_record g;
  g.status = grant_status::revoked;
  g.expires_at = "2020-01-01T00:00:00Z";
  CAF_CHECK(grant_unusable(g, now) == error_code::grant_revoked);
  g.status = grant_status::active;
  g.expires_at = "garbage";
  CAF_CHECK(grant_unusable(g, now) == error_code::grant_expired);
  agent_record a;
  a.status = agent_status::inactive;
  CAF_CHECK(agent_is_live(a));
  CAF_CHECK(!agent_may_act(a));
  a.status = agent_status::revoked;
  CAF_CHECK(!agent_is_live(a));
}

CAF_TEST(the sooner of two expiries) {
  CAF_CHECK(expires_sooner("2026-11-28T16:09:32Z", ""));
  CAF_CHECK(!expires_sooner("", "2026-11-28T16:09:32Z"));
  CAF_CHECK(!expires_sooner("", ""));
  CAF_CHECK(expires_sooner("2026-11-28T16:09:31.999Z", "2026-11-28T16:09:32Z"));
  CAF_CHECK(!expires_sooner("2026-11-28T16:09:32Z", "2026-11-28T16:09:32.000Z"));
  // Text order would put "9" after "2026-..."; time order cannot be fooled.
  CAF_CHECK(expires_sooner("9", "2026-11-28T16:09:32Z"));
}
