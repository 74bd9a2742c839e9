#include "alter/backend/identity/password_hash.hpp"

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "alter/auth/crypto.hpp"

namespace alter::backend {

namespace {

constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;

/// Bounds on what a stored hash may ask for: a tampered row must not make a
/// sign-in allocate gigabytes or spin for minutes.
bool sane(const scrypt_params& p) {
  if (!(p.log2_n >= 10 && p.log2_n <= 20 && p.r >= 1 && p.r <= 16 && p.p >= 1
        && p.p <= 4))
    return false;
  // The work area is 128 * r * N bytes: at most 64 MiB, twice the default.
  return 128 * uint64_t{p.r} * (uint64_t{1} << p.log2_n) <= (uint64_t{64} << 20);
}

std::optional<std::string> scrypt(std::string_view password, std::string_view salt,
                                  const scrypt_params& params) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "SCRYPT", nullptr);
  if (kdf == nullptr)
    return std::nullopt;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr)
    return std::nullopt;
  uint64_t n = uint64_t{1} << params.log2_n;
  uint32_t r = params.r;
  uint32_t p = params.p;
  // Room for the work area (128 * r * N, reused for each of the p passes) and the
  // 128 * r * p block buffer, plus OpenSSL's bookkeeping.
  uint64_t maxmem = 128 * uint64_t{r} * n + 128 * uint64_t{r} * p + (uint64_t{1} << 20);
  // An empty view may have no data pointer; OpenSSL wants one.
  static char empty[] = "";
  OSSL_PARAM ps[]
      = {OSSL_PARAM_construct_octet_string(
             OSSL_KDF_PARAM_PASSWORD,
             password.empty() ? empty : const_cast<char*>(password.data()),
             password.size()),
         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                           const_cast<char*>(salt.data()), salt.size()),
         OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
         OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
         OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
         OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
         OSSL_PARAM_construct_end()};
  std::string out(hash_bytes, '\0');
  bool ok = EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()),
                           out.size(), ps)
            == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<unsigned> small_number(std::string_view text) {
  if (text.empty() || text.size() > 3)
    return std::nullopt;
  unsigned out = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return out;
}

struct parsed_hash {
  scrypt_params params;
  std::string salt;
  std::string hash;
};

std::optional<parsed_hash> parse(std::string_view stored) {
  std::vector<std::string_view> parts;
  while (parts.size() < 7) {
    auto dollar = stored.find('$');
    parts.push_back(stored.substr(0, dollar));
    if (dollar == std::string_view::npos)
      break;
    stored.remove_prefix(dollar + 1);
  }
  if (parts.size() != 6 || parts[0] != "scrypt")
    return std::nullopt;
  auto log2_n = small_number(parts[1]);
  auto r = small_number(parts[2]);
  auto p = small_number(parts[3]);
  auto salt = from_hex(parts[4]);
  auto hash = from_hex(parts[5]);
  if (!log2_n || !r || !p || !salt || !hash || salt->size() < salt_bytes
      || salt->size() > 64 || hash->size() != hash_bytes)
    return std::nullopt;
  parsed_hash out{{*log2_n, *r, *p}, std::move(*salt), std::move(*hash)};
  if (!sane(out.params))
    return std::nullopt;
  return out;
}

} // namespace

std::string hash_password(std::string_view password, const scrypt_params& params) {
  if (!sane(params))
    throw std::invalid_argument("scrypt parameters out of bounds");
  auto salt = crypto::random_bytes(salt_bytes);
  auto hash = scrypt(password, salt, params);
  if (!hash)
    throw std::runtime_error("scrypt failed");
  auto out = "scrypt$" + std::to_string(params.log2_n) + "$" + std::to_string(params.r)
             + "$" + std::to_string(params.p) + "$" + crypto::to_hex(salt) + "$"
             + crypto::to_hex(*hash);
  OPENSSL_cleanse(hash->data(), hash->size());
  return out;
}

bool verify_password(std::string_view password, std::string_view stored) {
  auto expected = parse(stored);
  if (!expected)
    return false;
  auto actual = scrypt(password, expected->salt, expected->params);
  if (!actual)
    return false;
  bool same = CRYPTO_memcmp(actual->data(), expected->hash.data(), hash_bytes) == 0;
  OPENSSL_cleanse(actual->data(), actual->size());
  return same;
}

void verify_dummy_password(std::string_view password) {
  // Made once per process: the salt is random, the password is nobody's.
  static const std::string dummy = hash_password(crypto::random_hex(16));
  verify_password(password, dummy);
}

} // namespace alter::backend
