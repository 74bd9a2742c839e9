// Wire protocol v1 request signing (docs/protocol.md, "Signing").
//
//   K         = HMAC-SHA256(api_key, "alter-signing-v1")
//   canonical = METHOD \n path \n sorted query \n hex(SHA-256(body)) \n timestamp \n
//               nonce \n x-alter-constraints
//   signature = hex(HMAC-SHA256(K, canonical))
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "alter/messages/http_message.hpp"

namespace alter {

namespace header {
constexpr std::string_view api_key = "x-api-key";
constexpr std::string_view timestamp = "x-alter-timestamp";
constexpr std::string_view nonce = "x-alter-nonce";
constexpr std::string_view signature = "x-alter-signature";
constexpr std::string_view constraints = "x-alter-constraints";
constexpr std::string_view caller = "x-alter-caller";
constexpr std::string_view caller_type = "x-alter-caller-type";
constexpr std::string_view user_token = "x-alter-user-token";
/// An Agent's end user (its user_token_getter): whose delegation a credential
/// call or a Connect session is for. It never grants access.
constexpr std::string_view delegation_token = "x-alter-delegation-token";
constexpr std::string_view run_id = "x-alter-run-id";
constexpr std::string_view thread_id = "x-alter-thread-id";
constexpr std::string_view tool_call_id = "x-alter-tool-call-id";
constexpr std::string_view trace = "x-alter-trace";
/// W3C Trace Context (messages/traceparent.hpp); not signed, like attribution.
constexpr std::string_view traceparent = "traceparent";
constexpr std::string_view actor_id = "x-alter-actor-id";
constexpr std::string_view request_id = "x-alter-request-id";
constexpr std::string_view key_deprecated = "x-alter-key-deprecated";
constexpr std::string_view idempotency_key = "idempotency-key";
} // namespace header

/// Seconds a timestamp may differ from the backend's clock, and how long a nonce
/// is remembered.
constexpr int64_t max_clock_skew_seconds = 300;

/// K: derived once per key; the raw key never enters the MAC of a request.
std::string derive_signing_key(std::string_view api_key);

/// The query's "name=value" pairs sorted bytewise and joined by "&", left encoded.
std::string canonical_query(std::string_view query);

/// The string that is signed; `target` is the origin-form path plus "?query".
std::string canonical_request(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view timestamp,
                              std::string_view nonce, std::string_view constraints);

/// Hex HMAC-SHA256 of the canonical request under K.
std::string compute_signature(std::string_view signing_key, std::string_view method,
                              std::string_view target, std::string_view body,
                              std::string_view timestamp, std::string_view nonce,
                              std::string_view constraints);

/// Adds x-api-key, x-alter-timestamp, x-alter-nonce and x-alter-signature to a
/// request whose method, target, body and x-alter-constraints header are final.
void sign_request(http_request& req, std::string_view api_key,
                  std::string_view signing_key, int64_t unix_seconds,
                  std::string_view nonce);

/// Constant-time check of a presented signature.
bool verify_signature(std::string_view signing_key, std::string_view presented,
                      std::string_view method, std::string_view target,
                      std::string_view body, std::string_view timestamp,
                      std::string_view nonce, std::string_view constraints);

} // namespace alter
