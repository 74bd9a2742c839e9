#include "benchmarks/signed_calls.hpp"

#include <chrono>

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"

namespace alter::bench {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http_request signed_request(const std::string& key, const std::string& signing_key,
                            std::string target, std::string body, bool idempotent) {
  http_request req;
  req.method = "POST";
  req.target = std::move(target);
  req.body = std::move(body);
  req.headers = {{"Accept", "application/json"},
                 {"Content-Type", "application/json"},
                 {"x-alter-caller-type", "agent"}};
  if (idempotent)
    req.headers.push_back({"idempotency-key", crypto::random_uuid()});
  sign_request(req, key, signing_key, unix_now(), crypto::random_hex(16));
  return req;
}

std::string proxy_body(const std::string& grant_id, const std::string& url,
                       uint64_t k) {
  proxy_request p;
  p.grant.grant_id = grant_id;
  p.method = "POST";
  p.url = url;
  p.headers = {{"Content-Type", "application/json"}};
  p.body_b64 = base64_encode("{\"n\":" + std::to_string(k) + "}");
  p.reason = "benchmark";
  return to_json(p);
}

} // namespace alter::bench
