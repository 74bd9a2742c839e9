// The exchanges the raw baseline clients make: signed /v1 requests exactly as
// the SDK sends them, with nothing of the SDK in between.
#pragma once

#include <cstdint>
#include <string>

#include "alter/messages/http_message.hpp"

namespace alter::bench {

int64_t unix_now();

/// A signed POST to the backend; `idempotent` adds a fresh Idempotency-Key.
http_request signed_request(const std::string& key, const std::string& signing_key,
                            std::string target, std::string body, bool idempotent);

/// The body of POST /v1/proxy/execute: a small JSON POST to `url` with `grant_id`.
std::string proxy_body(const std::string& grant_id, const std::string& url, uint64_t k);

} // namespace alter::bench
