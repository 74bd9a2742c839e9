// is_valid_key on arbitrary text: never crashes, and a key it accepts keeps its
// checksum: a change to its checksum digits makes it invalid.
#include <cstddef>
#include <cstdint>
#include <string>

#include "alter/auth/api_key.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string key{reinterpret_cast<const char*>(data), size};
  if (!alter::is_valid_key(key) || key.rfind("alter_key_", 0) == 0)
    return 0; // legacy keys have no checksum
  // CRC-32 detects every single-character substitution: flip the last character.
  auto flipped = key;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  FUZZ_CHECK(!alter::is_valid_key(flipped));
  return 0;
}
