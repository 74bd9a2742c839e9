// Passwords of the local identity provider's users, at rest: scrypt (a salted,
// memory-hard KDF, OpenSSL 3's EVP_KDF "SCRYPT") with its parameters stored next
// to the hash, so they can change without invalidating older hashes.
//
//   "scrypt$<log2 N>$<r>$<p>$<salt hex>$<hash hex>"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace alter::backend {

struct scrypt_params {
  /// N = 2^log2_n; memory is 128 * r * N bytes (32 MiB for the defaults).
  unsigned log2_n = 15;
  unsigned r = 8;
  unsigned p = 1;
};

/// The stored form of `password` with a fresh 16-byte random salt.
std::string hash_password(std::string_view password, const scrypt_params& params = {});

/// Whether `password` matches `stored` (compared with CRYPTO_memcmp). False for a
/// stored form that is malformed or whose parameters are outside sane bounds.
bool verify_password(std::string_view password, std::string_view stored);

/// Burns the time of one verification with the default parameters, so that an
/// unknown user name answers as slowly as a wrong password.
void verify_dummy_password(std::string_view password);

} // namespace alter::backend
