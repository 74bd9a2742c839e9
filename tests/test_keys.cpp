#define CAF_SUITE keys
#include "caf/test/unit_test.hpp"

#include <string>

#include "alter/auth/api_key.hpp"

using namespace alter;

namespace {

constexpr std::string_view alphabet
    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";

} // namespace

CAF_TEST(generated keys are valid and announce their type) {
  for (auto type :
       {key_type::runtime, key_type::agent, key_type::derived, key_type::personal}) {
    auto key = generate_key(type);
    CAF_CHECK(is_valid_key(key));
    CAF_CHECK(type_of_key(key) == type);
    CAF_CHECK_EQUAL(key.size(), 48u);
  }
  CAF_CHECK(generate_key(key_type::agent).rfind("alter_ak_", 0) == 0);
  CAF_CHECK(generate_key(key_type::agent) != generate_key(key_type::agent));
}

CAF_TEST(every single character change of a valid key fails) {
  auto key = generate_key(key_type::runtime);
  std::size_t variants = 0;
  for (std::size_t pos = 0; pos < key.size(); ++pos) {
    for (char c : alphabet) {
      if (c == key[pos])
        continue;
      auto changed = key;
      changed[pos] = c;
      ++variants;
      if (is_valid_key(changed))
        CAF_FAIL("accepted " << changed << " (position " << pos << ")");
    }
  }
  CAF_CHECK(variants > 48u * 60u);
}

CAF_TEST(a known key checks out) {
  // CRC-32("alter_rk_abcdefghijklmnopqrstuvwxyz012345") = 2848814018 (zlib),
  // which is "36nKfC" in six base62 digits.
  CAF_CHECK(is_valid_key("alter_rk_abcdefghijklmnopqrstuvwxyz012345_36nKfC"));
  CAF_CHECK(!is_valid_key("alter_rk_abcdefghijklmnopqrstuvwxyz012345_36nKfD"));
}

CAF_TEST(legacy keys pass by prefix; junk and empty input fail) {
  CAF_CHECK(is_valid_key("alter_key_x"));
  CAF_CHECK(is_valid_key("alter_key_app_0123456789"));
  CAF_CHECK(type_of_key("alter_key_agent_abc") == key_type::legacy);
  CAF_CHECK(!is_valid_key("alter_key_"));
  CAF_CHECK(!is_valid_key(""));
  CAF_CHECK(!is_valid_key("alter_"));
  CAF_CHECK(!is_valid_key("alter_zz_abcdefghijklmnopqrstuvwxyz012345_36nKfC"));
  CAF_CHECK(!is_valid_key("alter_pat_abcdefghijklmnopqrstuvwxyz01234_36nKfC"));
  CAF_CHECK(!is_valid_key(std::string(10000, 'a')));
  CAF_CHECK(!is_valid_key(
      std::string("alter_rk_\0bcdefghijklmnopqrstuvwxyz012345_36nKfC", 48)));
  CAF_CHECK_EQUAL(key_prefix("alter_ak_abcdef"), "alter_ak_abc");
}

CAF_TEST(legacy keys cannot carry a byte that would split the header they travel in) {
  for (std::string bad :
       {std::string{"alter_key_abc\r\nX-Injected: yes"}, std::string{"alter_key_a\nb"},
        std::string{"alter_key_a b"}, std::string{"alter_key_a\tb"},
        std::string{"alter_key_a:b"}, std::string("alter_key_a\0b", 13),
        std::string{"alter_key_\xc3\xa9"}, "alter_key_" + std::string(201, 'k')}) {
    CAF_MESSAGE("key of " << bad.size() << " bytes");
    CAF_CHECK(!is_valid_key(bad));
    CAF_CHECK(!type_of_key(bad));
  }
  CAF_CHECK(is_valid_key("alter_key_agent_0123-abc_XYZ"));
  CAF_CHECK(is_valid_key("alter_key_" + std::string(200, 'k')));
}

CAF_TEST(a null C string is no key and no crash) {
  const char* none = nullptr;
  CAF_CHECK(!is_valid_key(none));
  CAF_CHECK(!is_valid_key(nullptr));
  CAF_CHECK(!type_of_key(none));
  CAF_CHECK(is_valid_key("alter_key_x"));
}
