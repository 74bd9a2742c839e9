#include "alter/auth/crypto.hpp"

#include <array>
#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace alter::crypto {

namespace {

// OpenSSL 3's one-shot SHA256() and HMAC() look their algorithm up by name on
// every call (a locked table search, more than the hashing of a short input).
// The algorithms are fetched once; each thread keeps its own contexts.

const EVP_MD* sha256_algorithm() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr)
    throw std::runtime_error("OpenSSL has no SHA-256");
  return md;
}

struct digest_context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~digest_context() {
    EVP_MD_CTX_free(ctx);
  }
};

/// An HMAC-SHA256 context whose digest is set once; every use re-keys it.
struct hmac_context {
  EVP_MAC_CTX* ctx = nullptr;
  hmac_context() {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr)
      return;
    ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); // the context holds its own reference
    char digest[] = "SHA256";
    OSSL_PARAM params[]
        = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
           OSSL_PARAM_construct_end()};
    if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
      EVP_MAC_CTX_free(ctx);
      ctx = nullptr;
    }
  }
  ~hmac_context() {
    EVP_MAC_CTX_free(ctx);
  }
};

} // namespace

std::string sha256(std::string_view data) {
  thread_local digest_context d;
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  if (d.ctx == nullptr || EVP_DigestInit_ex(d.ctx, sha256_algorithm(), nullptr) != 1
      || EVP_DigestUpdate(d.ctx, data.data(), data.size()) != 1
      || EVP_DigestFinal_ex(d.ctx, reinterpret_cast<unsigned char*>(out.data()), &len)
             != 1)
    throw std::runtime_error("SHA-256 failed");
  return out;
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  thread_local hmac_context h;
  // A null key would make EVP_MAC_init keep the previous call's key.
  static const unsigned char no_key = 0;
  const auto* k
      = key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  std::size_t len = 0;
  if (h.ctx == nullptr || EVP_MAC_init(h.ctx, k, key.size(), nullptr) != 1
      || EVP_MAC_update(h.ctx, reinterpret_cast<const unsigned char*>(data.data()),
                        data.size())
             != 1
      || EVP_MAC_final(h.ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                       out.size())
             != 1
      || len != out.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n))
      != 1)
    throw std::runtime_error("the CSPRNG failed");
  return out;
}

std::string random_hex(std::size_t n) {
  return to_hex(random_bytes(n));
}

std::string random_uuid() {
  auto b = random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
  auto hex = to_hex(b);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-'
         + hex.substr(16, 4) + '-' + hex.substr(20);
}

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

uint32_t crc32(std::string_view data) noexcept {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data)
    crc = table[(crc ^ c) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

} // namespace alter::crypto
