// Every wire model's JSON decoder, and the error envelope. The first byte picks
// the model; whatever decodes must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "messages/agent_info.hpp"
#include "messages/grants.hpp"
#include "messages/json_codec.hpp"
#include "messages/proxy_outcome.hpp"
#include "messages/token_response.hpp"
#include "messages/wire_requests.hpp"

namespace {

template <class T>
void round_trip(std::string_view text) {
  auto first = alter::from_json<T>(text);
  if (!first)
    return;
  auto again = alter::from_json<T>(alter::to_json(*first));
  FUZZ_CHECK(again);
  FUZZ_CHECK(*again == *first);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view text{reinterpret_cast<const char*>(data) + 1, size - 1};
  switch (data[0] % 10) {
    case 0:
      round_trip<alter::injection>(text);
      break;
    case 1:
      round_trip<alter::token_response>(text);
      break;
    case 2:
      round_trip<alter::token_request>(text);
      break;
    case 3:
      round_trip<alter::proxy_request>(text);
      break;
    case 4:
      round_trip<alter::proxy_result>(text);
      break;
    case 5:
      round_trip<alter::pending_approval>(text);
      break;
    case 6:
      round_trip<alter::grant_item>(text);
      break;
    case 7:
      round_trip<alter::grant_list>(text);
      break;
    case 8:
      round_trip<alter::agent_info>(text);
      break;
    default: {
      // Any status with any body: always a typed error, never a throw.
      auto e = alter::parse_error_envelope(400 + (data[0] % 200), text);
      FUZZ_CHECK(!e.message.empty() || e.code != alter::error_code{});
    }
  }
  return 0;
}
