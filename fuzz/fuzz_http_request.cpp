// The backend's request handling: raw bytes -> HTTP parser (the server's limits)
// -> authentication -> routing -> handlers, against a real in-memory store.
// The first byte chooses whether the harness signs the parsed request with a
// valid agent or app key, so inputs also reach the routes behind authentication.
//
// Properties: every request gets exactly one answer; every API error answer
// carries a well-formed envelope with a known code; nothing is an internal
// error; the approval page's HTML never carries a script.
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/messages/json_codec.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace alter;
using namespace alter::backend;

struct harness {
  std::unique_ptr<local_backend> backend;
  bootstrap_result keys;

  harness() {
    backend_options opts;
    opts.tls = false;
    opts.io_threads = 1;
    // An approval long-poll would hold an input for up to 30 s.
    opts.max_long_poll = std::chrono::seconds{0};
    backend = std::make_unique<local_backend>(opts);
    bootstrap_spec spec;
    spec.agents = 1;
    keys = bootstrap(backend->db(), spec);
  }
};

harness& the_harness() {
  static harness h;
  return h;
}

void sign_as(server_request& in, const std::string& key) {
  http_request req;
  req.method = in.method;
  req.target = in.target;
  req.body = in.body;
  for (auto& h : in.headers) {
    auto name = h.name;
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The harness supplies the credentials; every other header is the input's.
    if (name != header::api_key && name != header::timestamp && name != header::nonce
        && name != header::signature)
      req.headers.push_back(h);
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  sign_request(req, key, derive_signing_key(key), now, crypto::random_hex(16));
  in.headers = std::move(req.headers);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto& h = the_harness();
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  auto parsed = parse_request(bytes, server_limits{});
  if (!parsed)
    return 0; // refused by the parser with a typed error, as on a socket
  // Only /v1/ is the API; /approvals/ is the approval page (HTML).
  bool is_api = parsed->target.rfind("/v1/", 0) == 0;
  switch (data[0] % 3) {
    case 1:
      sign_as(*parsed, h.keys.agents.front().api_key);
      break;
    case 2:
      sign_as(*parsed, h.keys.app_key);
      break;
    default:
      break;
  }
  // Half the page requests come from the backend's own origin, so inputs reach
  // the page handlers behind the cross-origin check (backend/http/page_origin.hpp).
  if (!is_api && (data[0] / 3) % 2 == 0)
    parsed->headers.push_back({"Origin", h.backend->base_url()});
  auto answered = std::make_shared<std::promise<http_response>>();
  auto calls = std::make_shared<int>(0);
  h.backend->handle(std::move(*parsed), [answered, calls](http_response res) {
    FUZZ_CHECK(++*calls == 1);
    answered->set_value(std::move(res));
  });
  auto future = answered->get_future();
  FUZZ_CHECK(future.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  auto res = future.get();
  FUZZ_CHECK(res.status >= 200 && res.status < 600);
  FUZZ_CHECK(res.status != 500);
  const auto* type = find_field(res.headers, "content-type");
  if (is_api && res.status >= 400) {
    // The API always answers errors with a well-formed envelope.
    auto e = parse_error_envelope(res.status, res.body);
    FUZZ_CHECK(e.code != error_code::unknown_error);
  } else if (!is_api && type != nullptr && type->rfind("text/html", 0) == 0) {
    // The approval page never lets input through as markup.
    FUZZ_CHECK(res.body.find("<script") == std::string::npos);
  }
  return 0;
}
