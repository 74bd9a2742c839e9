#define CAF_SUITE url
#include "caf/test/unit_test.hpp"

#include "alter/net/url.hpp"

using namespace alter;
using namespace alter::net;

CAF_TEST(absolute URLs parse into endpoint and target) {
  auto u = parse_url("https://api.example.com/v1/items?x=1");
  CAF_REQUIRE(u);
  CAF_CHECK_EQUAL(u->where.scheme, "https");
  CAF_CHECK_EQUAL(u->where.host, "api.example.com");
  CAF_CHECK_EQUAL(u->where.port, 443u);
  CAF_CHECK_EQUAL(u->target, "/v1/items?x=1");
  auto plain = parse_url("http://127.0.0.1:8080");
  CAF_REQUIRE(plain);
  CAF_CHECK_EQUAL(plain->where.port, 8080u);
  CAF_CHECK_EQUAL(plain->target, "/");
  auto bare = parse_url("http://h?q=1");
  CAF_REQUIRE(bare);
  CAF_CHECK_EQUAL(bare->target, "/?q=1");
  CAF_CHECK_EQUAL(plain->where.origin(), "http://127.0.0.1:8080");
}

CAF_TEST(hostile URLs are rejected with a reason) {
  std::string why;
  for (auto bad :
       {"ftp://h/", "h/x", "https://", "https://user@h/", "https://h:0/",
        "https://h:70000/", "https://h:12a/", "https://h/#f", "https://h/a b",
        "https://h/a\r\nX: y", "https://h_/", "https://[::1]/"})
    CAF_CHECK(!parse_url(bad, &why));
  CAF_CHECK(!why.empty());
  CAF_CHECK(!parse_url(std::string(9000, 'a')));
}

CAF_TEST(path and query parameters are percent encoded) {
  std::string why;
  auto filled = fill_path_params("https://h/repos/{owner}/{repo}",
                                 {{"owner", "a b"}, {"repo", "x/y"}}, &why);
  CAF_REQUIRE(filled);
  CAF_CHECK_EQUAL(*filled, "https://h/repos/a%20b/x%2Fy");
  CAF_CHECK(!fill_path_params("https://h/{missing}", {}, &why));
  CAF_CHECK(why.find("missing") != std::string::npos);
  CAF_CHECK(!fill_path_params("https://h/{open", {}, &why));
  CAF_CHECK_EQUAL(append_query("https://h/x", {{"q", "a&b"}, {"n", "1"}}),
                  "https://h/x?q=a%26b&n=1");
  CAF_CHECK_EQUAL(append_query("https://h/x?a=1", {{"b", "2"}}), "https://h/x?a=1&b=2");
  auto q = query_param("/x?q=a%26b&n=1", "q");
  CAF_CHECK(q && *q == "a&b");
  CAF_CHECK(!query_param("/x?q=1", "n"));
  CAF_CHECK(!percent_decode("%zz"));
  CAF_CHECK(!percent_decode("%4"));
  auto decoded = percent_decode("a+b%21");
  CAF_CHECK(decoded && *decoded == "a b!");
}
