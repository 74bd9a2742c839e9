// The at-rest format of one encrypted value: AES-256-GCM (OpenSSL EVP) with a
// fresh random 96-bit nonce per value and caller-given associated data,
//
//   version (1 byte, 1) | key id (4 bytes, big-endian) | nonce (12) | ciphertext | tag
//   (16)
//
// The key id names the key that sealed the value, so a keyring can hold old
// keys next to the current one. The header and the associated data are
// authenticated; the associated data is not stored: opening with other
// associated data fails like a wrong key does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace alter::backend {

constexpr std::size_t sealed_key_size = 32;
constexpr unsigned char sealed_box_version = 1;
/// version + key id + nonce + tag: what sealing adds to the plaintext.
constexpr std::size_t sealed_box_overhead = 1 + 4 + 12 + 16;

/// Encrypts `plaintext` under the 32-byte `key`; throws std::runtime_error only
/// if OpenSSL or the CSPRNG fail.
std::string seal_box(std::string_view key, uint32_t key_id, std::string_view plaintext,
                     std::string_view associated_data);

/// The key id a sealed value names; nullopt when it is no sealed box at all.
std::optional<uint32_t> sealed_box_key_id(std::string_view box);

/// The plaintext, or nullopt when the box is malformed, of another version, or
/// fails authentication (wrong key, other associated data, altered bytes).
std::optional<std::string> open_box(std::string_view key, std::string_view box,
                                    std::string_view associated_data);

} // namespace alter::backend
