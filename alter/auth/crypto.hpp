// The few cryptographic primitives the runtime and the backend share, on OpenSSL 3.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace alter::crypto {

/// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

/// Raw 32-byte HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

/// Bytes from the operating system's CSPRNG (OpenSSL RAND_bytes); throws
/// std::runtime_error only if the CSPRNG itself fails.
std::string random_bytes(std::size_t n);

/// 2n hex characters of CSPRNG output, e.g. a 128-bit nonce for n = 16.
std::string random_hex(std::size_t n);

/// A random RFC 4122 version 4 UUID in canonical lower-case form.
std::string random_uuid();

/// Compares two secrets in time that depends only on their lengths.
bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

/// CRC-32 (IEEE 802.3, the polynomial zlib uses).
uint32_t crc32(std::string_view data) noexcept;

} // namespace alter::crypto
