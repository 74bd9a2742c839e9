#include "alter/auth/jwt.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <boost/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "alter/auth/crypto.hpp"
#include "alter/messages/base64.hpp"

namespace alter::jwt {

namespace json = boost::json;

// The OpenSSL key behind a signing_key, for sign and verify only.
struct key_access {
  static EVP_PKEY* pkey(const signing_key& key) noexcept {
    return key.pkey_.get();
  }
};

namespace {

constexpr std::size_t max_token_size = std::size_t{16} * 1024;
constexpr std::size_t max_pem_size = std::size_t{64} * 1024;
constexpr int max_json_depth = 32;
constexpr int key_bits = 2048;

// Claims with a meaning of their own, never taken from or written as extras.
constexpr std::string_view registered_claims[]
    = {"iss", "sub", "aud", "iat", "exp", "nbf"};

struct bio_free {
  void operator()(BIO* p) const noexcept {
    BIO_free(p);
  }
};
struct bn_free {
  void operator()(BIGNUM* p) const noexcept {
    BN_free(p);
  }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* p) const noexcept {
    EVP_MD_CTX_free(p);
  }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool is_registered(std::string_view name) {
  for (auto r : registered_claims)
    if (r == name)
      return true;
  return false;
}

// Refuses to prompt on the terminal for the passphrase of an encrypted PEM.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

// Big-endian bytes of an RSA parameter without leading zeros, as JWK wants them.
std::string rsa_param(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1)
    throw std::runtime_error("cannot read an RSA key parameter");
  bn_ptr bn{raw};
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string rs256(EVP_PKEY* pkey, std::string_view input) {
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey) != 1
      || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1
      || EVP_DigestSign(ctx.get(), nullptr, &len, bytes(input), input.size()) != 1)
    throw std::runtime_error("cannot start an RS256 signature");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     bytes(input), input.size())
      != 1)
    throw std::runtime_error("cannot compute an RS256 signature");
  sig.resize(len);
  return sig;
}

bool rs256_valid(EVP_PKEY* pkey, std::string_view input, std::string_view sig) {
  // A PKCS#1 v1.5 signature is exactly as long as the modulus.
  if (sig.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey)))
    return false;
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx
            && EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey) == 1
            && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1
            && EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(input),
                                input.size())
                   == 1;
  // A refused signature leaves errors behind that would confuse the next TLS call
  // on this thread.
  if (!ok)
    ERR_clear_error();
  return ok;
}

std::optional<json::object> parse_object(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = max_json_depth;
  json::error_code ec;
  auto v = json::parse(text, ec, json::storage_ptr(), opts);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.get_object());
}

enum class member { absent, present, wrong_type };

member read(const json::object& obj, std::string_view name, std::string& out) {
  const auto* v = obj.if_contains(name);
  if (!v)
    return member::absent;
  if (!v->is_string())
    return member::wrong_type;
  out.assign(v->get_string().data(), v->get_string().size());
  return member::present;
}

member read(const json::object& obj, std::string_view name, int64_t& out) {
  const auto* v = obj.if_contains(name);
  if (!v)
    return member::absent;
  if (!v->is_int64())
    return member::wrong_type;
  out = v->get_int64();
  return member::present;
}

int64_t saturating_add(int64_t a, int64_t b) {
  constexpr auto max = std::numeric_limits<int64_t>::max();
  constexpr auto min = std::numeric_limits<int64_t>::min();
  if (b > 0 && a > max - b)
    return max;
  if (b < 0 && a < min - b)
    return min;
  return a + b;
}

std::variant<claims, verify_error> verify_impl(const signing_key& key,
                                               std::string_view token, int64_t now,
                                               std::string_view expected_issuer,
                                               std::string_view expected_audience,
                                               int64_t leeway) {
  using err = verify_error;
  if (token.size() > max_token_size)
    return err::malformed;
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos
      || token.find('.', dot2 + 1) != std::string_view::npos)
    return err::malformed;
  auto header_bytes = base64url_decode(token.substr(0, dot1));
  auto payload_bytes = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header_bytes || !payload_bytes || !sig)
    return err::malformed;
  auto header = parse_object(*header_bytes);
  auto payload = parse_object(*payload_bytes);
  if (!header || !payload)
    return err::malformed;
  // No header extension is understood, so none may be critical (RFC 7515, 4.1.11).
  if (header->contains("crit"))
    return err::malformed;
  // jku, jwk and x5u are ignored: the one key to trust is the caller's.
  const auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string() || alg->get_string() != "RS256")
    return err::bad_algorithm;
  const auto* kid = header->if_contains("kid");
  if (!kid || !kid->is_string() || kid->get_string() != key.key_id())
    return err::unknown_key;
  claims c;
  int64_t not_before = std::numeric_limits<int64_t>::min();
  if (read(*payload, "sub", c.subject) != member::present || c.subject.empty()
      || read(*payload, "iat", c.issued_at) != member::present
      || read(*payload, "exp", c.expires_at) != member::present
      || read(*payload, "iss", c.issuer) == member::wrong_type
      || read(*payload, "aud", c.audience) == member::wrong_type
      || read(*payload, "nbf", not_before) == member::wrong_type)
    return err::malformed;
  if (!rs256_valid(key_access::pkey(key), token.substr(0, dot2), *sig))
    return err::bad_signature;
  if (now >= saturating_add(c.expires_at, leeway))
    return err::expired;
  auto latest = saturating_add(now, leeway);
  if (c.issued_at > latest || not_before > latest)
    return err::not_yet_valid;
  if (!expected_issuer.empty() && c.issuer != expected_issuer)
    return err::wrong_issuer;
  if (!expected_audience.empty() && c.audience != expected_audience)
    return err::wrong_audience;
  for (const auto& kv : *payload)
    if (kv.value().is_string() && !is_registered(kv.key()))
      c.extra.emplace_back(std::string{kv.key()}, std::string{kv.value().get_string()});
  return c;
}

} // namespace

signing_key::signing_key(std::shared_ptr<evp_pkey_st> pkey) : pkey_(std::move(pkey)) {
  int len = i2d_PUBKEY(pkey_.get(), nullptr);
  if (len <= 0)
    throw std::runtime_error("cannot encode an RSA public key");
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_PUBKEY(pkey_.get(), &out);
  kid_ = base64url_encode(crypto::sha256(der).substr(0, 8));
}

signing_key signing_key::generate() {
  // EVP_PKEY_Q_keygen takes the RSA modulus size as a size_t vararg.
  auto* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{key_bits});
  if (!raw)
    throw std::runtime_error("cannot generate an RSA key");
  return signing_key{std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free)};
}

std::optional<signing_key> signing_key::from_pem(std::string_view pem) {
  if (pem.size() > max_pem_size)
    return std::nullopt;
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  auto* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr)
                  : nullptr;
  if (!raw) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::shared_ptr<EVP_PKEY> pkey(raw, EVP_PKEY_free);
  // "RSA" is not "RSA-PSS", whose keys may not sign PKCS#1 v1.5.
  BIGNUM* d = nullptr;
  bool usable = EVP_PKEY_is_a(raw, "RSA") && EVP_PKEY_get_bits(raw) >= key_bits
                && EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_RSA_D, &d) == 1;
  BN_clear_free(d);
  if (!usable) {
    ERR_clear_error();
    return std::nullopt;
  }
  return signing_key{std::move(pkey)};
}

std::string signing_key::to_pem() const {
  // A secmem BIO wipes its buffer when freed.
  bio_ptr bio{BIO_new(BIO_s_secmem())};
  if (!bio
      || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0,
                                       nullptr, nullptr)
             != 1)
    throw std::runtime_error("cannot encode an RSA private key");
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

const std::string& signing_key::key_id() const noexcept {
  return kid_;
}

std::string signing_key::jwks_json() const {
  json::object jwk{
      {"kty", "RSA"},
      {"use", "sig"},
      {"alg", "RS256"},
      {"kid", kid_},
      {"n", base64url_encode(rsa_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_N))},
      {"e", base64url_encode(rsa_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_E))},
  };
  return json::serialize(json::object{{"keys", json::array{std::move(jwk)}}});
}

std::string sign(const signing_key& key, const claims& c) {
  json::object header{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", key.key_id()}};
  json::object payload;
  if (!c.issuer.empty())
    payload.emplace("iss", c.issuer);
  payload.emplace("sub", c.subject);
  if (!c.audience.empty())
    payload.emplace("aud", c.audience);
  payload.emplace("iat", c.issued_at);
  payload.emplace("exp", c.expires_at);
  for (const auto& [name, value] : c.extra)
    // emplace keeps the first of a repeated name; refuse rather than guess.
    if (is_registered(name) || !payload.emplace(name, value).second)
      throw std::invalid_argument("extra claim '" + name
                                  + "' is registered or repeated");
  auto input = base64url_encode(json::serialize(header)) + '.'
               + base64url_encode(json::serialize(payload));
  auto sig = rs256(key_access::pkey(key), input);
  return input + '.' + base64url_encode(sig);
}

std::string_view to_string(verify_error e) noexcept {
  switch (e) {
    case verify_error::malformed:
      return "malformed";
    case verify_error::bad_algorithm:
      return "bad_algorithm";
    case verify_error::unknown_key:
      return "unknown_key";
    case verify_error::bad_signature:
      return "bad_signature";
    case verify_error::expired:
      return "expired";
    case verify_error::not_yet_valid:
      return "not_yet_valid";
    case verify_error::wrong_issuer:
      return "wrong_issuer";
    case verify_error::wrong_audience:
      return "wrong_audience";
  }
  return "unknown";
}

std::variant<claims, verify_error> verify(const signing_key& key,
                                          std::string_view token, int64_t now,
                                          std::string_view expected_issuer,
                                          std::string_view expected_audience,
                                          int64_t leeway_seconds) {
  // Fail closed: not even an allocation failure escapes as an exception.
  try {
    return verify_impl(key, token, now, expected_issuer, expected_audience,
                       std::max<int64_t>(leeway_seconds, 0));
  } catch (...) {
    return verify_error::malformed;
  }
}

} // namespace alter::jwt
