// The client's response reading with structure-aware inputs (a hostile backend or
// provider): large header counts, fields around Beast's 16-bit field length,
// chunk extensions and trailers of any size.
//
// Properties: parse_response never throws; a response it accepts is within the
// client's limits; a refusal is malformed_response or network_error.
#include <cstddef>
#include <cstdint>

#include "alter/net/http_connection.hpp"
#include "fuzz_check.hpp"
#include "http_message_builder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace alter;
  fuzzing::choices c{data, size};
  auto bytes = fuzzing::build_message(c, "HTTP/1.1 200 OK");
  net::client_limits limits;
  net::exchange_outcome out;
  try {
    out = net::parse_response(bytes, limits);
  } catch (...) {
    FUZZ_CHECK(!"parse_response threw");
  }
  if (!out.ok) {
    FUZZ_CHECK(out.error.code == error_code::malformed_response
               || out.error.code == error_code::network_error);
    return 0;
  }
  FUZZ_CHECK(out.response.status == 200);
  FUZZ_CHECK(out.response.body.size() <= limits.max_response_body);
  return 0;
}
