#define CAF_SUITE error_model
#include "caf/test/unit_test.hpp"

#include <set>
#include <string>

#include "caf/sec.hpp"

#include "alter/messages/alter_error.hpp"
#include "alter/messages/exceptions.hpp"
#include "alter/messages/retry_after.hpp"

using namespace alter;

CAF_TEST(every class descends from AlterSDKError) {
#define ALTER_X(name, parent)                                                          \
  CAF_CHECK(is_a(error_class::name, error_class::AlterSDKError));                      \
  CAF_CHECK(is_a(error_class::name, error_class::parent));                             \
  CAF_CHECK_EQUAL(name_of(error_class::name), std::string{#name});
  ALTER_ERROR_CLASSES(ALTER_X)
#undef ALTER_X
}

CAF_TEST(the parent relation answers family questions) {
  CAF_CHECK(is_a(error_class::GrantExpiredError, error_class::ReAuthRequiredError));
  CAF_CHECK(is_a(error_class::GrantExpiredError, error_class::BackendError));
  CAF_CHECK(is_a(error_class::InvalidKeyError, error_class::AgentError));
  CAF_CHECK(is_a(error_class::AgentError, error_class::BackendError));
  CAF_CHECK(is_a(error_class::TimeoutError, error_class::NetworkError));
  CAF_CHECK(is_a(error_class::ApprovalDeniedError, error_class::ApprovalError));
  CAF_CHECK(!is_a(error_class::NetworkError, error_class::BackendError));
  CAF_CHECK(!is_a(error_class::BackendError, error_class::GrantExpiredError));
  CAF_CHECK(!is_a(error_class::ProviderAPIError, error_class::BackendError));
}

CAF_TEST(every class has at least one code and every code parses back) {
  std::size_t n = 0;
  const auto* codes = all_error_codes(n);
  std::set<error_class> covered;
  std::set<std::string> names;
  for (std::size_t i = 0; i < n; ++i) {
    auto c = codes[i];
    covered.insert(class_of(c));
    auto name = std::string{name_of(c)};
    CAF_CHECK(names.insert(name).second);
    auto back = parse_error_code(name);
    CAF_REQUIRE(back.has_value());
    CAF_CHECK(*back == c);
    auto status = http_status_of(c);
    CAF_CHECK(status == 0 || (status >= 400 && status <= 599));
  }
#define ALTER_X(name, parent) CAF_CHECK(covered.count(error_class::name) == 1);
  ALTER_ERROR_CLASSES(ALTER_X)
#undef ALTER_X
  CAF_CHECK(!parse_error_code("no_such_code").has_value());
}

CAF_TEST(errors survive the trip through caf::error) {
  auto e = make_error(error_code::grant_not_found, "no grant", R"({"grant_id":"g"})");
  e.http_status = 404;
  e.request_id = "req_1";
  e.retry_after_ms = 1500;
  auto back = from_caf_error(to_caf_error(e));
  CAF_CHECK(back == e);
  CAF_CHECK(back.is(error_class::BackendError));
  CAF_CHECK_EQUAL(to_string(back), "GrantNotFoundError (grant_not_found): no grant");
}

CAF_TEST(every code is a real error inside CAF) {
  std::size_t n = 0;
  const auto* codes = all_error_codes(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto err = to_caf_error(codes[i], "x");
    CAF_CHECK(static_cast<bool>(err));
    CAF_CHECK(from_caf_error(err).code == codes[i]);
  }
}

CAF_TEST(errors of CAF itself map to SDK codes) {
  auto timeout = from_caf_error(caf::make_error(caf::sec::request_timeout));
  CAF_CHECK(timeout.code == error_code::timeout);
  CAF_CHECK(timeout.is(error_class::NetworkError));
  auto gone = from_caf_error(caf::make_error(caf::sec::request_receiver_down));
  CAF_CHECK(gone.code == error_code::client_closed);
}

CAF_TEST(exceptions follow the class tree) {
  auto caught_as_reauth = false;
  try {
    errors::throw_error(make_error(error_code::grant_revoked, "revoked"));
  } catch (const errors::ReAuthRequiredError& e) {
    caught_as_reauth = e.error().code == error_code::grant_revoked;
  }
  CAF_CHECK(caught_as_reauth);
  auto caught_as_backend = false;
  try {
    errors::throw_error(make_error(error_code::invalid_key, "bad key"));
  } catch (const errors::BackendError& e) {
    caught_as_backend = std::string{e.what()}.find("InvalidKeyError") == 0;
  }
  CAF_CHECK(caught_as_backend);
  auto caught_as_network = false;
  try {
    errors::throw_error(make_error(error_code::timeout, "slow"));
  } catch (const errors::BackendError&) {
  } catch (const errors::NetworkError&) {
    caught_as_network = true;
  }
  CAF_CHECK(caught_as_network);
}

CAF_TEST(retry after is written rounded up and read only as delta seconds) {
  CAF_CHECK(retry_after_value(1) == "1");
  CAF_CHECK(retry_after_value(1000) == "1");
  CAF_CHECK(retry_after_value(1001) == "2");
  CAF_CHECK(retry_after_value(0) == "");
  CAF_CHECK(retry_after_value(-1) == "");
  CAF_CHECK(retry_after_ms_of("2") == 2000);
  CAF_CHECK(retry_after_ms_of("0.5") == 500);
  CAF_CHECK(retry_after_ms_of("0") == 0);
  // Hostile or foreign values ask for nothing.
  for (const char* v :
       {"", "-1", "nan", "inf", "1e10", "x", "Wed, 21 Oct 2015 07:28:00 GMT"})
    CAF_CHECK(retry_after_ms_of(v) == -1);
}
