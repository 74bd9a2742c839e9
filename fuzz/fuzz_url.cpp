// URL, path, query and percent-decoding on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "alter/net/url.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  namespace net = alter::net;
  if (auto u = net::parse_url(text)) {
    // A parsed target is origin-form: it starts with '/'.
    FUZZ_CHECK(!u->target.empty() && u->target.front() == '/');
  }
  auto path = net::path_of(text);
  auto query = net::query_of(text);
  FUZZ_CHECK(path.size() + query.size() <= text.size());
  net::query_param(text, "grant_id");
  // Encoding then decoding gives the text back.
  auto decoded = net::percent_decode(net::percent_encode(text));
  FUZZ_CHECK(decoded && *decoded == text);
  net::percent_decode(text);
  return 0;
}
