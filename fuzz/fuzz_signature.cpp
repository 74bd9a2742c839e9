// The canonical string and signature verification on arbitrary requests. The
// input is split at NUL bytes into key, method, target, body, timestamp, nonce,
// constraints and a presented signature.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alter/auth/request_signing.hpp"
#include "alter/net/url.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  std::vector<std::string_view> part;
  while (part.size() < 7) {
    auto cut = input.find('\0');
    part.push_back(input.substr(0, cut));
    input = cut == std::string_view::npos ? std::string_view{} : input.substr(cut + 1);
  }
  auto presented = input;
  auto key = alter::derive_signing_key(part[0]);
  // Whatever the request, a forged signature is refused ...
  alter::verify_signature(key, presented, part[1], part[2], part[3], part[4], part[5],
                          part[6]);
  // ... the signature the key computes is accepted ...
  auto genuine = alter::compute_signature(key, part[1], part[2], part[3], part[4],
                                          part[5], part[6]);
  FUZZ_CHECK(alter::verify_signature(key, genuine, part[1], part[2], part[3], part[4],
                                     part[5], part[6]));
  // ... and one changed character of it is not.
  auto tampered = genuine;
  tampered[0] = tampered[0] == '0' ? '1' : '0';
  FUZZ_CHECK(!alter::verify_signature(key, tampered, part[1], part[2], part[3], part[4],
                                      part[5], part[6]));
  // Sorting the query is stable: the canonical form of a canonical query is itself.
  auto once = alter::canonical_query(alter::net::query_of(part[2]));
  FUZZ_CHECK(alter::canonical_query(once) == once);
  return 0;
}
