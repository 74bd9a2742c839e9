#define CAF_SUITE scopes
#include "caf/test/unit_test.hpp"

#include "alter/auth/scope.hpp"

using namespace alter;

CAF_TEST(CRUD verbs are ordered read < write < admin) {
  CAF_CHECK(set_implies({"grants:admin"}, "grants:read"));
  CAF_CHECK(set_implies({"grants:admin"}, "grants:write"));
  CAF_CHECK(set_implies({"grants:write"}, "grants:read"));
  CAF_CHECK(!set_implies({"grants:read"}, "grants:write"));
  CAF_CHECK(!set_implies({"grants:admin"}, "agents:read"));
}

CAF_TEST(instances narrow and wildcards cover CRUD only) {
  CAF_CHECK(set_implies({"agents:write"}, "agents:read:agt_1"));
  CAF_CHECK(set_implies({"agents:write:agt_1"}, "agents:read:agt_1"));
  CAF_CHECK(!set_implies({"agents:write:agt_1"}, "agents:read:agt_2"));
  CAF_CHECK(!set_implies({"agents:write:agt_1"}, "agents:read"));
  CAF_CHECK(set_implies({"*:admin"}, "keys:write"));
  CAF_CHECK(!set_implies({"*:admin"}, "tokens:retrieve"));
  CAF_CHECK(!set_implies({"*:admin"}, "proxy:execute"));
  CAF_CHECK(set_implies({"tokens:retrieve"}, "tokens:retrieve"));
  CAF_CHECK(!set_implies({"tokens:retrieve"}, "proxy:execute"));
}

CAF_TEST(malformed scopes never match) {
  CAF_CHECK(!parse_scope("grants"));
  CAF_CHECK(!parse_scope(":read"));
  CAF_CHECK(!parse_scope("grants:"));
  CAF_CHECK(!parse_scope("Grants:read"));
  CAF_CHECK(!parse_scope("*:retrieve"));
  CAF_CHECK(!parse_scope("*:read:x"));
  CAF_CHECK(!parse_scope("a:b:c:d"));
  CAF_CHECK(!set_implies({"grants:read"}, "grants"));
  CAF_CHECK(!set_implies({"bogus"}, "grants:read"));
  CAF_CHECK_EQUAL(parse_scope("agents:write:agt_1")->to_string(), "agents:write:agt_1");
  CAF_CHECK(set_implies_all({"grants:admin", "tokens:retrieve"},
                            {"grants:read", "tokens:retrieve"}));
  CAF_CHECK(!set_implies_all({"grants:read"}, {"grants:read", "proxy:execute"}));
}
