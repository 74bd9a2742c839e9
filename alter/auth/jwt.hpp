// RS256 JSON Web Tokens (RFC 7519) for the local identity provider: keys, JWKS,
// signing and verification, on OpenSSL 3 and Boost.JSON.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

// OpenSSL's EVP_PKEY, declared here so that users of this header need no OpenSSL.
struct evp_pkey_st;

namespace alter::jwt {

/// An RSA-2048 signing key of the local identity provider. Immutable once made, so
/// copies share one key and may sign and verify from any number of threads.
class signing_key {
public:
  /// A fresh 2048-bit key from the OS CSPRNG; throws std::runtime_error only if
  /// OpenSSL cannot make one.
  static signing_key generate();

  /// From PKCS#8 PEM (as to_pem writes it); nullopt when it is no RSA private key,
  /// when it is encrypted, or when its modulus is shorter than 2048 bits.
  static std::optional<signing_key> from_pem(std::string_view pem);

  /// PKCS#8 private key PEM, unencrypted: store it as a secret.
  std::string to_pem() const;

  /// "kid": base64url of the first 8 bytes of SHA-256 of the DER public key
  /// (SubjectPublicKeyInfo).
  const std::string& key_id() const noexcept;

  /// The JWKS document
  /// {"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid","n","e"}]}.
  std::string jwks_json() const;

private:
  friend struct key_access;

  explicit signing_key(std::shared_ptr<evp_pkey_st> pkey);

  std::shared_ptr<evp_pkey_st> pkey_;
  std::string kid_;
};

struct claims {
  std::string issuer;     // iss
  std::string subject;    // sub
  std::string audience;   // aud (a single string)
  int64_t issued_at = 0;  // iat, unix seconds
  int64_t expires_at = 0; // exp, unix seconds
  /// Extra string claims (e.g. "email", "name"); written as JSON strings. On verify,
  /// every string-valued claim other than iss, sub, aud, iat, exp and nbf, in order.
  std::vector<std::pair<std::string, std::string>> extra;
};

/// header {"alg":"RS256","typ":"JWT","kid":...}.payload, base64url without padding,
/// signed. Empty issuer and audience are left out. Throws std::invalid_argument when
/// an extra claim repeats a name or uses one of iss, sub, aud, iat, exp, nbf.
std::string sign(const signing_key& key, const claims& c);

/// Why a token was refused (never includes the token itself).
enum class verify_error {
  malformed,
  bad_algorithm,
  unknown_key,
  bad_signature,
  expired,
  not_yet_valid,
  wrong_issuer,
  wrong_audience,
};

std::string_view to_string(verify_error e) noexcept;

/// Verifies signature (alg must be exactly RS256; "none" and HS256 are refused; kid
/// must match the key), then exp/iat (and nbf when present) with `leeway_seconds`
/// (default 60) against `now`, issuer and audience when the expected ones are
/// non-empty. Input larger than 16 KiB, more or fewer than 3 segments, bad base64url,
/// non-object JSON, JSON nesting deeper than 32, a missing or empty sub, a missing exp
/// or iat, a time that is no int64 JSON number, or a "crit" header -> malformed. Of
/// duplicate JSON members the last counts (RFC 7519, section 4). Never throws.
std::variant<claims, verify_error> verify(const signing_key& key,
                                          std::string_view token, int64_t now,
                                          std::string_view expected_issuer,
                                          std::string_view expected_audience,
                                          int64_t leeway_seconds = 60);

} // namespace alter::jwt
