#define CAF_SUITE jwt
#include "caf/test/unit_test.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include <boost/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alter/auth/crypto.hpp"
#include "alter/auth/jwt.hpp"
#include "alter/messages/base64.hpp"

using namespace alter;

namespace {

constexpr int64_t t0 = 1700000000;
constexpr std::string_view issuer = "http://127.0.0.1:8765";
constexpr std::string_view audience = "alter-cli";

// Key generation takes a while: each suite run makes these two only.
const jwt::signing_key& key_a() {
  static const auto key = jwt::signing_key::generate();
  return key;
}

const jwt::signing_key& key_b() {
  static const auto key = jwt::signing_key::generate();
  return key;
}

jwt::claims sample() {
  jwt::claims c;
  c.issuer = std::string{issuer};
  c.subject = "user-1";
  c.audience = std::string{audience};
  c.issued_at = t0;
  c.expires_at = t0 + 3600;
  c.extra = {{"email", "ada@example.com"}, {"name", "Ada Lovelace"}};
  return c;
}

std::string outcome(const std::variant<jwt::claims, jwt::verify_error>& r) {
  if (const auto* e = std::get_if<jwt::verify_error>(&r))
    return std::string{jwt::to_string(*e)};
  return "ok";
}

// Verifies with key A, the expected issuer and audience, at t0 unless told.
std::string verdict(std::string_view token, int64_t now = t0,
                    std::string_view iss = issuer, std::string_view aud = audience) {
  return outcome(jwt::verify(key_a(), token, now, iss, aud));
}

// An independent OpenSSL key from the PEM the module writes.
std::shared_ptr<EVP_PKEY> openssl_key(const jwt::signing_key& key) {
  auto pem = key.to_pem();
  auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  auto* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return {pkey, EVP_PKEY_free};
}

// RS256 computed here rather than by the module, to craft tokens it would never sign.
std::string rs256_by(const jwt::signing_key& key, std::string_view input) {
  auto pkey = openssl_key(key);
  auto* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey.get());
  EVP_DigestSign(ctx, nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                 input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return sig;
}

std::string header_json(std::string_view alg, std::string_view kid) {
  return R"({"alg":")" + std::string{alg} + R"(","typ":"JWT","kid":")"
         + std::string{kid} + R"("})";
}

const std::string good_payload
    = R"({"iss":"http://127.0.0.1:8765","sub":"user-1","aud":"alter-cli",)"
      R"("iat":1700000000,"exp":1700003600})";

std::string signing_input(std::string_view header, std::string_view payload) {
  return base64url_encode(header) + '.' + base64url_encode(payload);
}

// A token with any header and payload, signed by the given key.
std::string crafted(std::string_view header, std::string_view payload,
                    const jwt::signing_key& signer) {
  auto input = signing_input(header, payload);
  return input + '.' + base64url_encode(rs256_by(signer, input));
}

// A token with any payload that key A signed properly.
std::string signed_payload(std::string_view payload) {
  return crafted(header_json("RS256", key_a().key_id()), payload, key_a());
}

std::string modulus_of(const jwt::signing_key& key) {
  BIGNUM* n = nullptr;
  EVP_PKEY_get_bn_param(openssl_key(key).get(), OSSL_PKEY_PARAM_RSA_N, &n);
  std::string out(static_cast<std::size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(n);
  return out;
}

std::string pem_of(EVP_PKEY* pkey, bool public_only, const char* passphrase) {
  auto* bio = BIO_new(BIO_s_mem());
  if (public_only)
    PEM_write_bio_PUBKEY(bio, pkey);
  else
    PEM_write_bio_PKCS8PrivateKey(bio, pkey, passphrase ? EVP_aes_256_cbc() : nullptr,
                                  nullptr, 0, nullptr, const_cast<char*>(passphrase));
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

} // namespace

CAF_TEST(a signed token verifies with all its claims) {
  auto token = jwt::sign(key_a(), sample());
  CAF_CHECK_EQUAL(std::count(token.begin(), token.end(), '.'), 2);
  CAF_CHECK_EQUAL(token.find('='), std::string::npos);
  auto r = jwt::verify(key_a(), token, t0, issuer, audience);
  CAF_REQUIRE_EQUAL(outcome(r), "ok");
  const auto& c = std::get<jwt::claims>(r);
  CAF_CHECK_EQUAL(c.issuer, issuer);
  CAF_CHECK_EQUAL(c.subject, "user-1");
  CAF_CHECK_EQUAL(c.audience, audience);
  CAF_CHECK_EQUAL(c.issued_at, t0);
  CAF_CHECK_EQUAL(c.expires_at, t0 + 3600);
  CAF_REQUIRE_EQUAL(c.extra.size(), 2u);
  CAF_CHECK_EQUAL(c.extra[0].first, "email");
  CAF_CHECK_EQUAL(c.extra[0].second, "ada@example.com");
  CAF_CHECK_EQUAL(c.extra[1].first, "name");
  CAF_CHECK_EQUAL(c.extra[1].second, "Ada Lovelace");
  // The header is exactly what the identity provider promises.
  auto header = base64url_decode(token.substr(0, token.find('.')));
  CAF_REQUIRE(header.has_value());
  CAF_CHECK_EQUAL(*header, header_json("RS256", key_a().key_id()));
  // Empty expectations skip the issuer and audience checks.
  CAF_CHECK_EQUAL(verdict(token, t0, "", ""), "ok");
}

CAF_TEST(extra claims may not shadow registered ones or repeat) {
  auto refused = [](const std::string& name) {
    auto c = sample();
    c.extra.emplace_back(name, "x");
    try {
      jwt::sign(key_a(), c);
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  for (auto name : {"iss", "sub", "aud", "iat", "exp", "nbf", "email"})
    CAF_CHECK(refused(name));
  CAF_CHECK(!refused("jti"));
}

CAF_TEST(any single flipped character in any segment is refused) {
  auto token = jwt::sign(key_a(), sample());
  CAF_REQUIRE_EQUAL(verdict(token), "ok");
  auto dot1 = token.find('.');
  auto dot2 = token.rfind('.');
  const std::set<std::string> header_errors{"malformed", "bad_algorithm", "unknown_key",
                                            "bad_signature"};
  const std::set<std::string> body_errors{"malformed", "bad_signature"};
  std::size_t tried = 0;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (i == dot1 || i == dot2)
      continue;
    auto t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    auto v = verdict(t);
    const auto& allowed = i < dot1 ? header_errors : body_errors;
    if (allowed.count(v) == 0)
      CAF_FAIL("flipping character " << i << " gave " << v);
    ++tried;
  }
  CAF_CHECK_EQUAL(tried, token.size() - 2);
}

CAF_TEST(expired and not yet valid tokens are refused within the leeway) {
  auto token = jwt::sign(key_a(), sample());
  auto exp = t0 + 3600;
  CAF_CHECK_EQUAL(verdict(token, exp + 59), "ok");
  CAF_CHECK_EQUAL(verdict(token, exp + 60), "expired");
  CAF_CHECK_EQUAL(verdict(token, exp + 100000), "expired");
  CAF_CHECK_EQUAL(outcome(jwt::verify(key_a(), token, exp - 1, issuer, audience, 0)),
                  "ok");
  CAF_CHECK_EQUAL(outcome(jwt::verify(key_a(), token, exp, issuer, audience, 0)),
                  "expired");
  // Issued in the future beyond the leeway.
  CAF_CHECK_EQUAL(verdict(token, t0 - 60), "ok");
  CAF_CHECK_EQUAL(verdict(token, t0 - 61), "not_yet_valid");
  CAF_CHECK_EQUAL(outcome(jwt::verify(key_a(), token, t0 - 1, issuer, audience, 0)),
                  "not_yet_valid");
  // nbf counts when present.
  auto nbf = signed_payload(
      R"({"sub":"u","iat":1700000000,"nbf":1700001000,"exp":1700003600})");
  CAF_CHECK_EQUAL(verdict(nbf, t0 + 1000, "", ""), "ok");
  CAF_CHECK_EQUAL(verdict(nbf, t0 + 939, "", ""), "not_yet_valid");
  // Times at the ends of int64 neither overflow nor wrap.
  auto forever = signed_payload(
      R"({"sub":"u","iat":-9223372036854775808,"exp":9223372036854775807})");
  CAF_CHECK_EQUAL(verdict(forever, t0, "", ""), "ok");
  CAF_CHECK_EQUAL(outcome(jwt::verify(key_a(), forever, INT64_MAX, "", "", INT64_MAX)),
                  "expired");
}

CAF_TEST(wrong issuer and wrong audience are refused) {
  auto token = jwt::sign(key_a(), sample());
  CAF_CHECK_EQUAL(verdict(token, t0, "http://127.0.0.1:9999"), "wrong_issuer");
  CAF_CHECK_EQUAL(verdict(token, t0, issuer, "alter-web"), "wrong_audience");
  CAF_CHECK_EQUAL(verdict(token, t0, "http://127.0.0.1:876", audience), "wrong_issuer");
  CAF_CHECK_EQUAL(verdict(token, t0, issuer, "alter-cl"), "wrong_audience");
  // A token without iss or aud does not match an expected one.
  auto c = sample();
  c.issuer.clear();
  c.audience.clear();
  auto bare = jwt::sign(key_a(), c);
  CAF_CHECK_EQUAL(verdict(bare, t0, "", ""), "ok");
  CAF_CHECK_EQUAL(verdict(bare, t0, issuer, ""), "wrong_issuer");
  CAF_CHECK_EQUAL(verdict(bare, t0, "", audience), "wrong_audience");
}

CAF_TEST(alg none and HS256 are refused as bad algorithm) {
  const auto& kid = key_a().key_id();
  auto none = signing_input(header_json("none", kid), good_payload);
  CAF_CHECK_EQUAL(verdict(none + '.'), "bad_algorithm");
  auto real_sig = jwt::sign(key_a(), sample());
  real_sig = real_sig.substr(real_sig.rfind('.'));
  CAF_CHECK_EQUAL(verdict(none + real_sig), "bad_algorithm");
  // The classic confusion: the public key as an HMAC secret.
  auto hs = signing_input(header_json("HS256", kid), good_payload);
  for (const auto& secret : {key_a().jwks_json(), modulus_of(key_a())})
    CAF_CHECK_EQUAL(
        verdict(hs + '.' + base64url_encode(crypto::hmac_sha256(secret, hs))),
        "bad_algorithm");
  // Only the exact spelling counts, even with a valid RS256 signature.
  for (auto alg : {"rs256", "RS256 ", "RS384", "PS256", ""})
    CAF_CHECK_EQUAL(verdict(crafted(header_json(alg, kid), good_payload, key_a())),
                    "bad_algorithm");
  CAF_CHECK_EQUAL(
      verdict(crafted(R"({"typ":"JWT","kid":")" + kid + "\"}", good_payload, key_a())),
      "bad_algorithm");
  CAF_CHECK_EQUAL(
      verdict(crafted(R"({"alg":null,"kid":")" + kid + "\"}", good_payload, key_a())),
      "bad_algorithm");
}

CAF_TEST(tokens of another key are refused) {
  CAF_REQUIRE_NOT_EQUAL(key_a().key_id(), key_b().key_id());
  CAF_CHECK_EQUAL(verdict(jwt::sign(key_b(), sample())), "unknown_key");
  // Crafting works: the same header and payload signed by key A pass ...
  auto header = header_json("RS256", key_a().key_id());
  CAF_CHECK_EQUAL(verdict(crafted(header, good_payload, key_a())), "ok");
  // ... while key B's signature under key A's kid does not.
  CAF_CHECK_EQUAL(verdict(crafted(header, good_payload, key_b())), "bad_signature");
  // A missing or non-string kid names no key.
  CAF_CHECK_EQUAL(
      verdict(crafted(R"({"alg":"RS256","typ":"JWT"})", good_payload, key_a())),
      "unknown_key");
  CAF_CHECK_EQUAL(verdict(crafted(R"({"alg":"RS256","kid":7})", good_payload, key_a())),
                  "unknown_key");
  // A shortened, lengthened or empty signature is no signature.
  auto token = jwt::sign(key_a(), sample());
  CAF_CHECK_EQUAL(verdict(token.substr(0, token.size() - 2)), "bad_signature");
  CAF_CHECK_EQUAL(verdict(token + "AAAA"), "bad_signature");
  CAF_CHECK_EQUAL(verdict(token.substr(0, token.rfind('.') + 1)), "bad_signature");
  // Refusals leave no OpenSSL errors behind for the next TLS call on this thread.
  CAF_CHECK_EQUAL(ERR_peek_error(), 0u);
}

CAF_TEST(a PEM round trip keeps the key) {
  auto pem = key_a().to_pem();
  CAF_CHECK_EQUAL(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  auto restored = jwt::signing_key::from_pem(pem);
  CAF_REQUIRE(restored.has_value());
  CAF_CHECK_EQUAL(restored->key_id(), key_a().key_id());
  CAF_CHECK_EQUAL(restored->to_pem(), pem);
  CAF_CHECK_EQUAL(restored->jwks_json(), key_a().jwks_json());
  CAF_CHECK_EQUAL(verdict(jwt::sign(*restored, sample())), "ok");
  CAF_CHECK_EQUAL(outcome(jwt::verify(*restored, jwt::sign(key_a(), sample()), t0,
                                      issuer, audience)),
                  "ok");
  // Copies share the key.
  auto copy = *restored;
  CAF_CHECK_EQUAL(copy.key_id(), key_a().key_id());
  CAF_CHECK_EQUAL(verdict(jwt::sign(copy, sample())), "ok");
}

CAF_TEST(from pem refuses what is no usable RSA private key) {
  CAF_CHECK(!jwt::signing_key::from_pem(""));
  CAF_CHECK(!jwt::signing_key::from_pem("not a key"));
  auto pem = key_a().to_pem();
  CAF_CHECK(!jwt::signing_key::from_pem(pem.substr(0, pem.size() / 2)));
  auto rsa = openssl_key(key_a());
  CAF_CHECK(!jwt::signing_key::from_pem(pem_of(rsa.get(), true, nullptr)));
  // Encrypted: refused without prompting for a passphrase.
  CAF_CHECK(!jwt::signing_key::from_pem(pem_of(rsa.get(), false, "secret")));
  std::shared_ptr<EVP_PKEY> ec{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                               EVP_PKEY_free};
  CAF_REQUIRE(ec != nullptr);
  CAF_CHECK(!jwt::signing_key::from_pem(pem_of(ec.get(), false, nullptr)));
  std::shared_ptr<EVP_PKEY> small{
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}), EVP_PKEY_free};
  CAF_REQUIRE(small != nullptr);
  CAF_CHECK(!jwt::signing_key::from_pem(pem_of(small.get(), false, nullptr)));
  CAF_CHECK_EQUAL(ERR_peek_error(), 0u);
}

CAF_TEST(the JWKS document describes the public key) {
  const auto& key = key_a();
  boost::json::error_code ec;
  auto doc = boost::json::parse(key.jwks_json(), ec);
  CAF_REQUIRE(!ec);
  CAF_REQUIRE(doc.is_object());
  const auto* keys = doc.get_object().if_contains("keys");
  CAF_REQUIRE(keys && keys->is_array());
  CAF_REQUIRE_EQUAL(keys->get_array().size(), 1u);
  const auto& jwk = keys->get_array()[0].get_object();
  auto field = [&](std::string_view name) {
    const auto* v = jwk.if_contains(name);
    return v && v->is_string() ? std::string{v->get_string()} : std::string{"?"};
  };
  CAF_CHECK_EQUAL(jwk.size(), 6u);
  CAF_CHECK_EQUAL(field("kty"), "RSA");
  CAF_CHECK_EQUAL(field("use"), "sig");
  CAF_CHECK_EQUAL(field("alg"), "RS256");
  CAF_CHECK_EQUAL(field("kid"), key.key_id());
  CAF_CHECK_EQUAL(field("e"), "AQAB");
  auto n = base64url_decode(field("n"));
  CAF_REQUIRE(n.has_value());
  CAF_CHECK_EQUAL(n->size(), 256u);
  CAF_CHECK(*n == modulus_of(key));
  // kid: base64url of the first 8 bytes of SHA-256 of the DER SubjectPublicKeyInfo.
  auto pkey = openssl_key(key);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey.get(), &der);
  CAF_REQUIRE(len > 0);
  auto digest = crypto::sha256({reinterpret_cast<char*>(der), std::size_t(len)});
  OPENSSL_free(der);
  CAF_CHECK_EQUAL(key.key_id(), base64url_encode(digest.substr(0, 8)));
  CAF_CHECK_EQUAL(key.key_id().size(), 11u);
}

CAF_TEST(garbage is malformed) {
  const std::string hdr = base64url_encode(header_json("RS256", key_a().key_id()));
  const std::string body = base64url_encode(good_payload);
  const std::string inputs[] = {
      "",
      ".",
      "..",
      "...",
      "a.b",
      "a.b.c",
      "a.b.c.d",
      std::string(100 * 1024, '.'),
      std::string(100 * 1024, 'A'),
      hdr + "." + body,
      hdr + "." + body + ".AAAA.AAAA",
      hdr + "=." + body + ".AAAA",
      hdr + "." + body + "+.AAAA",
      hdr + "." + body + ".AA/A",
      hdr + "." + body + ".A",
      "!!!!.@@@@.####",
      base64url_encode("not json") + "." + body + ".AAAA",
      base64url_encode("[]") + "." + body + ".AAAA",
      hdr + "." + base64url_encode("{") + ".AAAA",
      std::string("\0.\0.\0", 5),
  };
  for (const auto& in : inputs)
    CAF_CHECK_EQUAL(verdict(in), "malformed");
}

CAF_TEST(properly signed tokens with bad JSON are malformed) {
  // Positive control: what the bad ones below vary is all that is wrong with them.
  CAF_CHECK_EQUAL(verdict(signed_payload(good_payload)), "ok");
  for (auto payload : {"[]", "{}", "null", "7", "\"user-1\"", "",
                       "{\"sub\":\"u\",\"iat\":1700000000,\"exp\":1700003600}x",
                       "{\"sub\":\"u\",\"iat\":1700000000,\"exp\":1700003600,}",
                       "{\"sub\":\"u\",\"iat\":1700000000,\"exp\":1700003600 /**/}"})
    CAF_CHECK_EQUAL(verdict(signed_payload(payload), t0, "", ""), "malformed");
  // Nesting: 32 levels counting the outer object pass, 33 do not.
  auto nested = [](int arrays) {
    return R"({"sub":"u","iat":1700000000,"exp":1700003600,"x":)"
           + std::string(arrays, '[') + std::string(arrays, ']') + "}";
  };
  CAF_CHECK_EQUAL(verdict(signed_payload(nested(31)), t0, "", ""), "ok");
  CAF_CHECK_EQUAL(verdict(signed_payload(nested(32)), t0, "", ""), "malformed");
  CAF_CHECK_EQUAL(verdict(signed_payload(nested(5000)), t0, "", ""), "malformed");
  CAF_CHECK_EQUAL(verdict(crafted(std::string(3000, '[') + std::string(3000, ']'),
                                  good_payload, key_a())),
                  "malformed");
  // More than 16 KiB is refused even when signed.
  auto big = sample();
  big.extra.emplace_back("blob", std::string(16 * 1024, 'x'));
  CAF_CHECK_EQUAL(verdict(jwt::sign(key_a(), big)), "malformed");
  // Invalid UTF-8 in a string.
  CAF_CHECK_EQUAL(
      verdict(
          signed_payload("{\"sub\":\"\xff\",\"iat\":1700000000,\"exp\":1700003600}"),
          t0, "", ""),
      "malformed");
}

CAF_TEST(required claims must be present with the right types) {
  auto v = [](std::string_view payload) {
    return verdict(signed_payload(payload), t0, "", "");
  };
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":1700003600})"), "ok");
  CAF_CHECK_EQUAL(v(R"({"iat":1700000000,"exp":1700003600})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","exp":1700003600})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"","iat":1700000000,"exp":1700003600})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":7,"iat":1700000000,"exp":1700003600})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":"1700003600"})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":1700003600.0})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":1.7e9})"), "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":18446744073709551615})"),
                  "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":1700003600,"nbf":true})"),
                  "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":1700003600,"iss":1})"),
                  "malformed");
  CAF_CHECK_EQUAL(v(R"({"sub":"u","iat":1700000000,"exp":1700003600,"aud":["a"]})"),
                  "malformed");
  // No header extension is understood, so none may be critical.
  CAF_CHECK_EQUAL(verdict(crafted(R"({"alg":"RS256","kid":")" + key_a().key_id()
                                      + R"(","crit":["exp"],"exp":0})",
                                  good_payload, key_a())),
                  "malformed");
}

CAF_TEST(verify reads extras and the last of duplicate members) {
  auto r
      = jwt::verify(key_a(),
                    signed_payload(R"({"sub":"first","iat":1700000000,"exp":1,)"
                                   R"("jti":"j1","admin":true,"n":3,"exp":1700003600,)"
                                   R"("sub":"second"})"),
                    t0, "", "");
  CAF_REQUIRE_EQUAL(outcome(r), "ok");
  const auto& c = std::get<jwt::claims>(r);
  CAF_CHECK_EQUAL(c.subject, "second");
  CAF_CHECK_EQUAL(c.expires_at, t0 + 3600);
  CAF_REQUIRE_EQUAL(c.extra.size(), 1u);
  CAF_CHECK_EQUAL(c.extra[0].first, "jti");
  CAF_CHECK_EQUAL(c.extra[0].second, "j1");
}

CAF_TEST(random junk never passes nor throws) {
  static constexpr char alphabet[]
      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_..";
  std::mt19937 rng{20240611};
  auto token = jwt::sign(key_a(), sample());
  int passed = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string junk;
    if (i % 2 == 0) {
      junk.resize(rng() % 400);
      for (auto& ch : junk)
        ch = alphabet[rng() % (sizeof(alphabet) - 1)];
    } else {
      // Splices of a real token: cut, duplicate or drop a stretch.
      junk = token;
      auto at = rng() % junk.size();
      auto len = rng() % 40 + 1;
      if (rng() % 2)
        junk.erase(at, len);
      else
        junk.insert(at, junk.substr(at, len));
    }
    if (verdict(junk) == "ok")
      ++passed;
  }
  CAF_CHECK_EQUAL(passed, 0);
}

CAF_TEST(every error has a name) {
  using e = jwt::verify_error;
  std::set<std::string_view> names;
  for (auto x : {e::malformed, e::bad_algorithm, e::unknown_key, e::bad_signature,
                 e::expired, e::not_yet_valid, e::wrong_issuer, e::wrong_audience})
    names.insert(jwt::to_string(x));
  CAF_CHECK_EQUAL(names.size(), 8u);
}
