#include "alter/messages/proxy_outcome.hpp"

#include "alter/messages/base64.hpp"

namespace alter {

std::string proxy_result::body_bytes() const {
  // The backend only ever sends canonical base64; anything else reads as empty.
  return base64_decode(body_b64).value_or(std::string{});
}

} // namespace alter
