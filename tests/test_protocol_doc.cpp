// docs/protocol.md's error table and messages/error_code.hpp must say the same.
#define CAF_SUITE protocol_doc
#include "caf/test/unit_test.hpp"

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "alter/messages/error_code.hpp"

using namespace alter;

CAF_TEST(the documented error table matches the code table) {
  std::ifstream in{ALTER_SOURCE_DIR "/docs/protocol.md"};
  CAF_REQUIRE(in.good());
  // | `code` | 404 | GrantNotFoundError |   or   | `code` | — (SDK only) | Class |
  std::regex row{R"(^\| `([a-z_]+)` \| ([0-9]+|— \(SDK only\)) \| ([A-Za-z]+) \|$)"};
  std::map<std::string, std::pair<int, std::string>> documented;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, row)) {
      auto status = m[2].str()[0] == '\xe2' ? 0 : std::stoi(m[2].str());
      CAF_CHECK(documented.emplace(m[1], std::make_pair(status, m[3])).second);
    }
  }
  std::size_t n = 0;
  const auto* codes = all_error_codes(n);
  CAF_CHECK_EQUAL(documented.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    auto name = std::string{name_of(codes[i])};
    auto it = documented.find(name);
    if (it == documented.end()) {
      CAF_FAIL("docs/protocol.md does not list " << name);
      continue;
    }
    CAF_CHECK_EQUAL(it->second.first, http_status_of(codes[i]));
    CAF_CHECK_EQUAL(it->second.second, std::string{name_of(class_of(codes[i]))});
  }
}
