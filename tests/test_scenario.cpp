// Swarm scenarios as read from their JSON files: the OAuth members and the
// refusals a typo or a value out of range gets (nothing runs silently); the
// verdict of a run and the report that opens with it.
#define CAF_SUITE scenario
#include "caf/test/unit_test.hpp"

#include "tools/swarm/run_setup.hpp"
#include "tools/swarm/run_verdict.hpp"
#include "tools/swarm/scenario.hpp"
#include "tools/swarm/swarm_report.hpp"

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

namespace {

using namespace alter::swarm;

/// A report of 10 calls: 8 proxy calls succeeded, 1 denied as the scenario
/// asks, and 1 retrieve that did not.
swarm_report small_report() {
  swarm_report r;
  r.scenario = "tiny";
  r.agents = 2;
  r.calls = 10;
  r.succeeded = 8;
  r.expected_refusals = 1;
  r.calls_by_kind = {{"proxy", 8}, {"denied", 1}, {"retrieve", 1}};
  r.errors = {{"policy_denied", 1}, {"timeout", 1}};
  r.failures_by_kind = {{"retrieve", 1}};
  for (int i = 0; i < 8; ++i)
    r.latency["proxy"].add(2.0 + i);
  r.timeline = {4, 6};
  r.seconds = 0.5;
  scenario s;
  s.name = "tiny";
  s.agents = 2;
  s.seed = 42;
  s.concurrency = 8;
  s.mix = call_mix_weights{0, 4, 1, 0, 0, 0};
  r.setup = describe_run(s, "embedded backend at http://127.0.0.1:1");
  return r;
}

} // namespace

CAF_TEST(a run with a failed call is a FAIL that names the call type) {
  auto r = small_report();
  auto v = judge(r);
  CAF_CHECK(!v.pass);
  CAF_REQUIRE_EQUAL(v.reasons.size(), 1u);
  CAF_CHECK_EQUAL(v.reasons[0],
                  "1 of 10 calls ended other than the scenario expects (retrieve 1)");
  r.failures_by_kind.clear();
  r.succeeded = 9;
  v = judge(r);
  CAF_CHECK(v.pass);
  CAF_CHECK_EQUAL(v.reasons[0], "all 10 calls ended as the scenario expects (9 "
                                "succeeded, 1 refused by design)");
  // Nothing made, a worker lost, a token that reached a provider expired.
  auto nothing = judge(swarm_report{});
  CAF_CHECK(!nothing.pass);
  CAF_CHECK_EQUAL(nothing.reasons.at(0), "no call was made");
  r.cluster = {{1, worker_fate::lost, "node", 1, 0, "link closed"}};
  r.oauth.expired_presentations = 2;
  v = judge(r);
  CAF_CHECK(!v.pass);
  CAF_CHECK_EQUAL(v.reasons.size(), 2u);
  CAF_CHECK_NOT_EQUAL(v.reasons[0].find("partial run"), std::string::npos);
  CAF_CHECK_EQUAL(v.reasons[1], "2 expired access tokens reached a provider");
}

CAF_TEST(the report opens with the verdict and the set up and draws no empty table) {
  auto r = small_report();
  auto html = to_html(r);
  auto verdict_at = html.find("<strong>FAIL</strong>: 1 of 10 calls");
  CAF_CHECK_NOT_EQUAL(verdict_at, std::string::npos);
  CAF_CHECK_LESS(verdict_at, html.find("<h2>"));
  for (const char* shown :
       {"<td>call mix</td><td>proxy=4,denied=1</td>", "<td>seed</td><td>42</td>",
        "<td>concurrency</td><td>8</td>", "<td>fault profile</td><td>none</td>",
        "<td>target</td><td>embedded backend at http://127.0.0.1:1</td>",
        "<h2>Failures by call type</h2>", "latency, ms (log scale)",
        "share of the type&#39;s calls", "calls completed per second",
        "seconds since the start", "proxy (8 calls)"}) {
    bool found = html.find(shown) != std::string::npos;
    if (!found)
      CAF_MESSAGE("missing: " << shown);
    CAF_CHECK(found);
  }
  CAF_CHECK_NOT_EQUAL(html.find("<td>version</td><td>"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(html.find("<td>started</td><td>20"), std::string::npos);
  // No approvals were held: no table for them, not even its header.
  CAF_CHECK_EQUAL(html.find("approval outcome"), std::string::npos);
  auto json = to_json(r);
  CAF_CHECK_NOT_EQUAL(json.find(R"("verdict":{"result":"FAIL","reasons":["1 of 10)"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(json.find(R"("failures_by_kind":{"retrieve":1})"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(json.find(R"("seed":42)"), std::string::npos);
  // A run without calls draws neither latency nor throughput.
  swarm_report empty;
  auto bare = to_html(empty);
  CAF_CHECK_EQUAL(bare.find("<table><tr><th>type"), std::string::npos);
  CAF_CHECK_EQUAL(bare.find("<svg"), std::string::npos);
  CAF_CHECK_EQUAL(bare.find("<h2>Set-up</h2>"), std::string::npos);
}
