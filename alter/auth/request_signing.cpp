#include "alter/auth/request_signing.hpp"

#include <algorithm>
#include <vector>

#include "alter/auth/crypto.hpp"

namespace alter {

std::string derive_signing_key(std::string_view api_key) {
  return crypto::hmac_sha256(api_key, "alter-signing-v1");
}

std::string canonical_query(std::string_view query) {
  std::vector<std::string_view> parts;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    if (!part.empty())
      parts.push_back(part);
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (auto p : parts) {
    if (!out.empty())
      out += '&';
    out += p;
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view timestamp,
                              std::string_view nonce, std::string_view constraints) {
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  std::string out;
  out.reserve(256);
  out.append(method).append("\n");
  out.append(path).append("\n");
  out.append(canonical_query(query)).append("\n");
  out.append(crypto::sha256_hex(body)).append("\n");
  out.append(timestamp).append("\n");
  out.append(nonce).append("\n");
  out.append(constraints);
  return out;
}

std::string compute_signature(std::string_view signing_key, std::string_view method,
                              std::string_view target, std::string_view body,
                              std::string_view timestamp, std::string_view nonce,
                              std::string_view constraints) {
  auto canonical
      = canonical_request(method, target, body, timestamp, nonce, constraints);
  return crypto::to_hex(crypto::hmac_sha256(signing_key, canonical));
}

void sign_request(http_request& req, std::string_view api_key,
                  std::string_view signing_key, int64_t unix_seconds,
                  std::string_view nonce) {
  auto ts = std::to_string(unix_seconds);
  const auto* constraints = find_field(req.headers, header::constraints);
  auto sig = compute_signature(signing_key, req.method, req.target, req.body, ts, nonce,
                               constraints ? *constraints : std::string{});
  req.headers.push_back({std::string{header::api_key}, std::string{api_key}});
  req.headers.push_back({std::string{header::timestamp}, std::move(ts)});
  req.headers.push_back({std::string{header::nonce}, std::string{nonce}});
  req.headers.push_back({std::string{header::signature}, std::move(sig)});
}

bool verify_signature(std::string_view signing_key, std::string_view presented,
                      std::string_view method, std::string_view target,
                      std::string_view body, std::string_view timestamp,
                      std::string_view nonce, std::string_view constraints) {
  auto expected = compute_signature(signing_key, method, target, body, timestamp, nonce,
                                    constraints);
  return crypto::constant_time_equals(expected, presented);
}

} // namespace alter
