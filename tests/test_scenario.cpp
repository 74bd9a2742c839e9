// Swarm scenarios as read from their JSON files: the OAuth members and the
// refusals a typo or a value out of range gets (nothing runs silently).
#define CAF_SUITE scenario
#include "caf/test/unit_test.hpp"

#include "tools/swarm/scenario.hpp"

using alter::swarm::parse_scenario;

namespace {

std::string refusal(const std::string& json) {
  std::string error;
  auto s = parse_scenario(json, error);
  CAF_CHECK(!s.has_value());
  return error;
}

} // namespace

CAF_TEST(the OAuth members read and their bad values are refused) {
  std::string error;
  auto s = parse_scenario(R"({"oauth_token_ttl_seconds": 30,
                              "oauth_refresh_buffer_seconds": 10,
                              "oauth_start_expired": true})",
                          error);
  CAF_REQUIRE(s.has_value());
  CAF_CHECK_EQUAL(s->oauth_token_ttl_seconds, 30u);
  CAF_CHECK_EQUAL(s->oauth_refresh_buffer_seconds, 10u);
  CAF_CHECK(s->oauth_start_expired);
  // The defaults refresh during every run: a 2 s token, a 1 s buffer, sim-oauth.
  auto d = parse_scenario("{}", error);
  CAF_REQUIRE(d.has_value());
  CAF_CHECK_EQUAL(d->oauth_token_ttl_seconds, 2u);
  CAF_CHECK_EQUAL(d->oauth_refresh_buffer_seconds, 1u);
  CAF_CHECK_EQUAL(d->providers.back(), "sim-oauth");
  CAF_CHECK_EQUAL(refusal(R"({"oauth_token_ttl_seconds": 0})"),
                  "oauth_token_ttl_seconds must be 1 to 86400");
  CAF_CHECK_EQUAL(
      refusal(R"({"oauth_token_ttl_seconds": 1e12})"),
      "oauth_token_ttl_seconds must be a whole number from 0 to 1000000000");
  CAF_CHECK_EQUAL(
      refusal(R"({"oauth_token_ttl_seconds": 5, "oauth_refresh_buffer_seconds": 5})"),
      "oauth_refresh_buffer_seconds must be less than oauth_token_ttl_seconds");
  CAF_CHECK_EQUAL(refusal(R"({"oauth_start_expired": "yes"})"),
                  "oauth_start_expired must be true or false");
  CAF_CHECK_EQUAL(refusal(R"({"oauth_token_tll_seconds": 5})"),
                  "unknown member oauth_token_tll_seconds");
}
