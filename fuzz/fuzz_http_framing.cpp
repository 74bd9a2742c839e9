// The server's request reading with structure-aware inputs: large header counts,
// fields around Beast's 16-bit field length, chunk extensions and trailers of any
// size, and the Transfer-Encoding shapes request smugglers use.
//
// Properties: parse_request never throws; what it accepts is within every limit
// and was framed exactly as "chunked" or by Content-Length; anything else is a
// typed refusal.
#include <cstddef>
#include <cstdint>

#include "alter/backend/http/http_server.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/net/bounded_read.hpp"
#include "fuzz_check.hpp"
#include "http_message_builder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace alter;
  fuzzing::choices c{data, size};
  auto bytes = fuzzing::build_message(c, "POST /v1/me HTTP/1.1");
  backend::server_limits limits;
  caf::expected<backend::server_request> parsed = caf::error{};
  try {
    parsed = backend::parse_request(bytes, limits);
  } catch (...) {
    FUZZ_CHECK(!"parse_request threw");
  }
  if (!parsed) {
    auto e = from_caf_error(parsed.error());
    FUZZ_CHECK(e.code == error_code::invalid_request
               || e.code == error_code::headers_too_large
               || e.code == error_code::payload_too_large);
    return 0;
  }
  FUZZ_CHECK(parsed->body.size() <= limits.max_body_bytes);
  std::size_t header_bytes = 0;
  for (const auto& h : parsed->headers) {
    header_bytes += h.name.size() + h.value.size();
    if (iequals(h.name, "transfer-encoding"))
      FUZZ_CHECK(iequals(h.value, "chunked"));
  }
  FUZZ_CHECK(header_bytes <= limits.max_header_bytes + net::max_read_buffer);
  return 0;
}
