// The x-alter-constraints header as the backend decodes it. Input that decodes
// must survive encode -> decode unchanged and pass validation. The same bytes
// as a rule in the documented form (parse_constraint_rule): a rule it accepts
// is valid and travels in a header unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "alter/auth/constraints.hpp"
#include "alter/messages/base64.hpp"
#include "fuzz_check.hpp"

namespace {

bool same(const alter::constraints& a, const alter::constraints& b) {
  if (a.scopes != b.scopes || a.rule.has_value() != b.rule.has_value())
    return false;
  if (!a.rule)
    return true;
  if (a.rule->type != b.rule->type || a.rule->when.size() != b.rule->when.size())
    return false;
  for (size_t i = 0; i < a.rule->when.size(); ++i)
    if (a.rule->when[i].attribute != b.rule->when[i].attribute
        || a.rule->when[i].values != b.rule->when[i].values)
      return false;
  return true;
}

void check(std::string_view header) {
  auto decoded = alter::decode_constraints_header(header);
  if (!decoded)
    return;
  FUZZ_CHECK(alter::validate(*decoded));
  auto again
      = alter::decode_constraints_header(alter::encode_constraints_header(*decoded));
  FUZZ_CHECK(again);
  FUZZ_CHECK(same(*again, *decoded));
}

void check_documented_rule(std::string_view text) {
  auto rule = alter::parse_constraint_rule(text);
  if (!rule)
    return;
  alter::constraints c;
  c.rule = *rule;
  FUZZ_CHECK(alter::validate(c));
  auto again = alter::decode_constraints_header(alter::encode_constraints_header(c));
  FUZZ_CHECK(again);
  FUZZ_CHECK(same(*again, c));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw{reinterpret_cast<const char*>(data), size};
  // The raw bytes as a header, and the bytes as the JSON inside one, so the
  // fuzzer reaches the JSON checks without having to learn base64url first.
  check(raw);
  check(alter::base64url_encode(raw));
  check_documented_rule(raw);
  return 0;
}
