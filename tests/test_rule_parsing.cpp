// The one parser of stored rules (typed values, problems that name their field)
// and the rule book that keeps its results between calls.
#define CAF_SUITE rule_parsing
#include "caf/test/unit_test.hpp"

#include <string>
#include <vector>

#include "alter/auth/constraints.hpp"
#include "alter/backend/policy/rule_book.hpp"
#include "alter/backend/policy/rule_parser.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/http_method.hpp"

using namespace alter;
using namespace alter::backend;

namespace {

/// The field a refused body's problem names ("" when it parsed).
std::string field_of(std::string_view type, std::string_view body) {
  auto p = parse_rule(type, body);
  return p ? std::string{} : p.problem().field;
}

rule_record record(std::string id, std::string type, std::string body) {
  rule_record r;
  r.id = std::move(id);
  r.name = r.id;
  r.app_id = "app";
  r.rule_type = std::move(type);
  r.rule_body_json = std::move(body);
  return r;
}

} // namespace

CAF_TEST(every rule type has one wire name) {
  for (auto t :
       {rule_type::json_match, rule_type::require_approval, rule_type::ip_allowlist,
        rule_type::time_window, rule_type::rate_limit, rule_type::parameter}) {
    rule_type back{};
    CAF_CHECK(from_string(to_string(t), back));
    CAF_CHECK(back == t);
  }
  rule_type untouched = rule_type::parameter;
  CAF_CHECK(!from_string("JSON_MATCH", untouched));
  CAF_CHECK(!from_string("", untouched));
  CAF_CHECK(untouched == rule_type::parameter);
}

CAF_TEST(valid bodies become typed values) {
  auto m = parse_rule("require_approval", R"({"when":{"method":["POST","PUT"]}})");
  CAF_REQUIRE(m);
  CAF_CHECK(m->type == rule_type::require_approval);
  const auto& when = std::get<match_rule>(m->body).when;
  CAF_REQUIRE_EQUAL(when.size(), 1u);
  CAF_CHECK_EQUAL(when[0].attribute, "method");
  CAF_CHECK_EQUAL(when[0].values, (std::vector<std::string>{"POST", "PUT"}));
  auto every = parse_rule("json_match", "{}");
  CAF_REQUIRE(every);
  CAF_CHECK(std::get<match_rule>(every->body).when.empty());

  auto ip = parse_rule("ip_allowlist", R"({"cidrs":["10.1.2.3/8","::1"]})");
  CAF_REQUIRE(ip);
  const auto& nets = std::get<ip_allowlist_rule>(ip->body).networks;
  CAF_REQUIRE_EQUAL(nets.size(), 2u);
  CAF_CHECK(nets[0].v4);
  CAF_CHECK_EQUAL(nets[0].prefix, 8u);
  CAF_CHECK_EQUAL(static_cast<int>(nets[0].bytes[0]), 10);
  CAF_CHECK(!nets[1].v4);
  CAF_CHECK_EQUAL(nets[1].prefix, 128u);

  auto tw = parse_rule(
      "time_window",
      R"({"start":"22:30","end":"06:00","days":["sun","sat"],"utc_offset_minutes":-90})");
  CAF_REQUIRE(tw);
  const auto& window = std::get<time_window_rule>(tw->body);
  CAF_CHECK_EQUAL(window.start_minute, 22 * 60 + 30);
  CAF_CHECK_EQUAL(window.end_minute, 6 * 60);
  CAF_REQUIRE(window.days.has_value());
  CAF_CHECK_EQUAL(static_cast<int>(*window.days), 0x41);
  CAF_CHECK_EQUAL(window.utc_offset_minutes, -90);

  auto rl = parse_rule("rate_limit", R"({"max_calls":3,"per_seconds":60,"per":"app"})");
  CAF_REQUIRE(rl);
  const auto& limit = std::get<rate_limit_rule>(rl->body);
  CAF_CHECK_EQUAL(limit.max_calls, 3);
  CAF_CHECK_EQUAL(limit.window.count(), 60);
  CAF_CHECK(limit.per == rate_subject::app);

  auto pr = parse_rule(
      "parameter", R"({"field":"order.amount","min":1,"denied":[5],"required":true})");
  CAF_REQUIRE(pr);
  const auto& param = std::get<parameter_rule>(pr->body);
  CAF_CHECK_EQUAL(param.path, (std::vector<std::string>{"order", "amount"}));
  CAF_CHECK(param.min == 1.0);
  CAF_CHECK(!param.max);
  CAF_CHECK(param.denied && param.denied->size() == 1);
  CAF_CHECK(param.required);
}

CAF_TEST(refused bodies name the field and what is wrong) {
  CAF_CHECK_EQUAL(field_of("json_match", R"({"when":[]})"), "rule_body.when");
  CAF_CHECK_EQUAL(field_of("json_match", R"({"when":{"method":[]}})"),
                  "rule_body.when.method");
  CAF_CHECK_EQUAL(field_of("require_approval", R"({"when":{"agent_id":["a",1]}})"),
                  "rule_body.when.agent_id[1]");
  CAF_CHECK_EQUAL(field_of("require_approval", R"({"when":{},"effect":"deny"})"),
                  "rule_body");
  CAF_CHECK_EQUAL(field_of("ip_allowlist", R"({"cidrs":[]})"), "rule_body.cidrs");
  for (const char* cidr : {"10.0.0.0/33", "10.0.0.0/x", "::1/129", "10.0.0.0/", "x"})
    CAF_CHECK_EQUAL(field_of("ip_allowlist",
                             std::string{R"({"cidrs":["1.2.3.4",")"} + cidr + "\"]}"),
                    "rule_body.cidrs[1]");
  CAF_CHECK_EQUAL(field_of("time_window", R"({"end":"10:00"})"), "rule_body.start");
  CAF_CHECK_EQUAL(field_of("time_window", R"({"start":"24:01","end":"10:00"})"),
                  "rule_body.start");
  CAF_CHECK_EQUAL(
      field_of("time_window",
               R"({"start":"09:00","end":"10:00","utc_offset_minutes":900})"),
      "rule_body.utc_offset_minutes");
  CAF_CHECK_EQUAL(
      field_of("time_window", R"({"start":"09:00","end":"10:00","days":"mon"})"),
      "rule_body.days");
  CAF_CHECK_EQUAL(field_of("rate_limit", R"({"max_calls":0,"per_seconds":1})"),
                  "rule_body.max_calls");
  CAF_CHECK_EQUAL(field_of("rate_limit", R"({"max_calls":1.5,"per_seconds":1})"),
                  "rule_body.max_calls");
  CAF_CHECK_EQUAL(field_of("rate_limit", R"({"max_calls":1,"per_seconds":86401})"),
                  "rule_body.per_seconds");
  CAF_CHECK_EQUAL(
      field_of("rate_limit", R"({"max_calls":1,"per_seconds":1,"per":"ip"})"),
      "rule_body.per");
  CAF_CHECK_EQUAL(field_of("parameter", R"({"max":1})"), "rule_body.field");
  CAF_CHECK_EQUAL(field_of("parameter", R"({"field":"a","max":"1"})"), "rule_body.max");
  CAF_CHECK_EQUAL(field_of("parameter", R"({"field":"a","allowed":{}})"),
                  "rule_body.allowed");
  CAF_CHECK_EQUAL(field_of("parameter", R"({"field":"a","min":0,"required":1})"),
                  "rule_body.required");
  CAF_CHECK_EQUAL(field_of("bogus", "{}"), "rule_type");
  CAF_CHECK_EQUAL(field_of("json_match", "[1]"), "rule_body");
  CAF_CHECK_EQUAL(field_of("json_match", std::string(max_rule_body_chars + 1, ' ')),
                  "rule_body");
  // The reason says what is wrong, and echoes hostile text only tamed.
  auto p = parse_rule("ip_allowlist", "{\"cidrs\":[\"10.0.0.0/8\\n\\u0007evil\"]}");
  CAF_REQUIRE(!p);
  auto text = p.problem().to_string();
  CAF_CHECK(text.find("rule_body.cidrs[0]: '10.0.0.0/8??evil'") == 0);
  CAF_CHECK(text.find('\n') == std::string::npos);
}

CAF_TEST(the constraint header shares the when parser) {
  constraints c;
  c.rule = constraint_rule{"json_match", {{"method", {"DELETE"}}}};
  auto header = encode_constraints_header(c);
  auto back = decode_constraints_header(header);
  CAF_REQUIRE(back);
  CAF_CHECK(back->rule == c.rule);
  CAF_CHECK(type_of(*back->rule) == rule_type::json_match);
  // {"rule":{"type":"json_match","when":{"method":["GET",7]}}}
  auto bad = decode_constraints_header(base64url_encode(
      R"({"rule":{"type":"json_match","when":{"method":["GET",7]}}})"));
  CAF_REQUIRE(!bad);
  auto e = from_caf_error(bad.error());
  CAF_CHECK(e.message.find("rule.when.method[1]") != std::string::npos);
  CAF_CHECK(type_of(constraint_rule{"ip_allowlist", {}}) == rule_type::json_match);
}

CAF_TEST(
    a method condition matches whatever its case and refuses what names no method) {
  // Stored rules: "post" would never have matched a POST, so it is stored as
  // POST; a value that names no method is refused, field named.
  auto m = parse_rule("json_match", R"({"when":{"method":["post","Delete"]}})");
  CAF_REQUIRE(m);
  const auto& when = std::get<match_rule>(m->body).when;
  CAF_REQUIRE_EQUAL(when.size(), 1u);
  CAF_CHECK_EQUAL(when[0].values, (std::vector<std::string>{"POST", "DELETE"}));
  CAF_CHECK(rule_matches(when, {{"method", "POST"}}));
  CAF_CHECK(!rule_matches(when, {{"method", "GET"}}));
  CAF_CHECK_EQUAL(field_of("json_match", R"({"when":{"method":"FETCH"}})"),
                  "rule_body.when.method");
  CAF_CHECK_EQUAL(field_of("require_approval", R"({"when":{"method":["GET","gett"]}})"),
                  "rule_body.when.method[1]");
  // Other attributes keep their values as written.
  auto p = parse_rule("json_match", R"({"when":{"provider_id":"Sim-Bearer"}})");
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(std::get<match_rule>(p->body).when[0].values,
                  (std::vector<std::string>{"Sim-Bearer"}));
  // The typed values of the SDK.
  CAF_CHECK_EQUAL(http_method::parse("pAtCh")->name(), "PATCH");
  CAF_CHECK(*http_method::parse("delete") == http_method::delete_);
  CAF_CHECK(!http_method::parse("GETS"));
  CAF_CHECK(!http_method::parse(""));
  CAF_CHECK(http_method::get.safe() && !http_method::post.safe());
  std::string assigned;
  assigned = http_method::options;
  CAF_CHECK_EQUAL(assigned, "OPTIONS");
}

CAF_TEST(a require approval rule names its approvers and channels) {
  auto m = parse_rule("require_approval",
                      R"({"approval":{"approvers":["alice@example.com","bob"],)"
                      R"("channels":["email","email"]}})");
  CAF_REQUIRE(m);
  const auto& rule = std::get<match_rule>(m->body);
  CAF_CHECK(rule.when.empty());
  CAF_CHECK_EQUAL(rule.approval.approvers,
                  (std::vector<std::string>{"alice@example.com", "bob"}));
  CAF_CHECK(rule.approval.channels
            == std::vector<approval_channel>{approval_channel::email});
  CAF_CHECK(rule.approval.admits("ALICE@example.com"));
  CAF_CHECK(!rule.approval.admits("carol"));
  // Said nothing: any approver, by email; [] mails nobody.
  auto plain = parse_rule("require_approval", "{}");
  CAF_REQUIRE(plain);
  CAF_CHECK(std::get<match_rule>(plain->body).approval.is_default());
  CAF_CHECK(std::get<match_rule>(plain->body).approval.admits("anyone"));
  auto quiet = parse_rule("require_approval", R"({"approval":{"channels":[]}})");
  CAF_REQUIRE(quiet);
  CAF_CHECK(std::get<match_rule>(quiet->body).approval.channels.empty());
  // Refusals name the field; a deny rule has no approval.
  CAF_CHECK_EQUAL(field_of("require_approval", R"({"approval":{"channels":["sms"]}})"),
                  "rule_body.approval.channels[0]");
  auto sms = parse_rule("require_approval", R"({"approval":{"channels":["sms"]}})");
  CAF_CHECK(sms.problem().reason.find("must be one of email") != std::string::npos);
  CAF_CHECK_EQUAL(field_of("require_approval", R"({"approval":{"approvers":"bob"}})"),
                  "rule_body.approval.approvers");
  CAF_CHECK_EQUAL(
      field_of("require_approval", R"({"approval":{"approvers":["ok",""]}})"),
      "rule_body.approval.approvers[1]");
  CAF_CHECK_EQUAL(field_of("require_approval",
                           "{\"approval\":{\"approvers\":[\"a\\r\\nBcc: x\"]}}"),
                  "rule_body.approval.approvers[0]");
  std::string many = R"({"approval":{"approvers":[)";
  for (int i = 0; i <= 20; ++i)
    many += (i ? ",\"a" : "\"a") + std::to_string(i) + "\"";
  CAF_CHECK_EQUAL(field_of("require_approval", many + "]}}"),
                  "rule_body.approval.approvers");
  CAF_CHECK_EQUAL(field_of("require_approval", R"({"approval":{"approver":["a"]}})"),
                  "rule_body.approval");
  CAF_CHECK_EQUAL(field_of("require_approval", R"({"approval":[]})"),
                  "rule_body.approval");
  CAF_CHECK_EQUAL(field_of("json_match", R"({"when":{"method":"GET"},"approval":{}})"),
                  "rule_body");
}

CAF_TEST(the approval rule of a client names its approvers in the signed header) {
  auto r = parse_constraint_rule(
      R"({"rule_type":"require_approval","rule_body":{"effect":"require_approval",)"
      R"("approval":{"approvers":["alice@example.com"],"channels":[]}}})");
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->approval.approvers, std::vector<std::string>{"alice@example.com"});
  CAF_CHECK(r->approval.channels.empty());
  constraints c;
  c.rule = *r;
  auto back = decode_constraints_header(encode_constraints_header(c));
  CAF_REQUIRE(back);
  CAF_CHECK(back->rule->approval == r->approval);
  // Without approval the header is as before.
  constraints plain;
  plain.rule = constraint_rule{"require_approval", {}, {}};
  CAF_CHECK(encode_constraints_header(plain).find("approval") == std::string::npos);
  CAF_CHECK(decode_constraints_header(encode_constraints_header(plain))->rule
            == plain.rule);
  // A deny rule has no approval, in either form.
  CAF_CHECK(!parse_constraint_rule(
      R"({"rule_type":"json_match","rule_body":{"effect":"deny",)"
      R"("when":{"method":"GET"},"approval":{"approvers":["a"]}}})"));
  constraints deny_with_approvers;
  deny_with_approvers.rule = constraint_rule{"json_match", {{"method", {"GET"}}}, {}};
  deny_with_approvers.rule->approval.approvers = {"a"};
  CAF_CHECK(!validate(deny_with_approvers));
  // The typed struct is checked as the JSON is.
  constraints bad_name;
  bad_name.rule = constraint_rule{"require_approval", {}, {}};
  bad_name.rule->approval.approvers = {"a\nb"};
  CAF_CHECK(!validate(bad_name));
  auto bad_channel = parse_constraint_rule(
      R"({"rule_type":"require_approval","rule_body":{"approval":{"channels":["pager"]}}})");
  CAF_REQUIRE(!bad_channel);
  CAF_CHECK(
      from_caf_error(bad_channel.error()).message.find("rule_body.approval.channels[0]")
      != std::string::npos);
}

CAF_TEST(the rule book parses a rule again only when its type or body changed) {
  rule_book book{{}};
  std::vector<rule_record> records{record("a", "json_match", "{}"),
                                   record("b", "ip_allowlist", R"({"cidrs":["::1"]})"),
                                   record("c", "rate_limit", "{}")};
  records[2].enabled = false; // never loaded, never parsed
  for (int call = 0; call < 100; ++call) {
    auto loaded = book.load(records);
    CAF_REQUIRE_EQUAL(loaded.size(), 2u);
    CAF_CHECK_EQUAL(loaded[1].id, "b");
    CAF_CHECK(*loaded[1].parse);
  }
  CAF_CHECK_EQUAL(book.parses(), 2u);
  records[1].rule_body_json = R"({"cidrs":"::1"})";
  auto loaded = book.load(records);
  CAF_CHECK(!*loaded[1].parse);
  CAF_CHECK_EQUAL(book.parses(), 3u);
  // The same body under another type is another rule.
  records[0].rule_type = "require_approval";
  loaded = book.load(records);
  CAF_CHECK((*loaded[0].parse)->type == rule_type::require_approval);
  CAF_CHECK_EQUAL(book.parses(), 4u);
  // A rule remembered when stored is not parsed when loaded.
  auto d = record("d", "json_match", R"({"when":{"method":"GET"}})");
  auto parsed = parse_rule(d.rule_type, d.rule_body_json);
  CAF_REQUIRE(parsed);
  book.remember(d, *parsed);
  book.load({d});
  CAF_CHECK_EQUAL(book.parses(), 4u);
}

CAF_TEST(the rule book holds a bounded number of rules) {
  std::vector<std::string> warnings;
  rule_book book{[&](const std::string& line) { warnings.push_back(line); }, 2};
  auto bad = record("bad", "json_match", "not json");
  auto a = record("a", "json_match", "{}");
  auto b = record("b", "json_match", "{}");
  book.load({bad});
  book.load({bad});
  CAF_CHECK_EQUAL(warnings.size(), 1u);
  book.load({a});
  book.load({b}); // evicts the least recently used: bad
  CAF_CHECK_EQUAL(book.parses(), 3u);
  book.load({a, b});
  CAF_CHECK_EQUAL(book.parses(), 3u);
  book.load({bad});
  CAF_CHECK_EQUAL(book.parses(), 4u);
  CAF_CHECK_EQUAL(warnings.size(), 2u);
  for (int i = 0; i < 1000; ++i)
    book.load({record("r" + std::to_string(i), "json_match", "{}")});
  // Only two rules are kept: the last two loaded cost nothing, a and b again.
  auto parses = book.parses();
  book.load({record("r998", "json_match", "{}"), record("r999", "json_match", "{}")});
  CAF_CHECK_EQUAL(book.parses(), parses);
  book.load({a});
  CAF_CHECK_EQUAL(book.parses(), parses + 1);
}
