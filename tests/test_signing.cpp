#define CAF_SUITE signing
#include "caf/test/unit_test.hpp"

#include <string>
#include <thread>

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"

using namespace alter;

namespace {

constexpr std::string_view key = "alter_ak_0123456789ABCDEFGHIJKLMNOPQRSTUV_000000";
constexpr std::string_view body = R"({"grant_id":"x"})";
constexpr std::string_view nonce = "00112233445566778899aabbccddeeff";

} // namespace

CAF_TEST(the canonical request has the documented shape) {
  auto canonical = canonical_request("POST", "/v1/tokens/retrieve?b=2&a=1", body,
                                     "1700000000", nonce, "");
  CAF_CHECK_EQUAL(canonical,
                  "POST\n/v1/tokens/retrieve\na=1&b=2\n"
                  "1c6330f309e95494dc6ad64a546afd519f00f70e0f7e8c647e6c50c23121335b\n"
                  "1700000000\n00112233445566778899aabbccddeeff\n");
  CAF_CHECK_EQUAL(canonical_query("z=1&a=2&&a=1"), "a=1&a=2&z=1");
  CAF_CHECK_EQUAL(canonical_query(""), "");
}

CAF_TEST(signatures match an independent implementation) {
  // Computed with Python's hmac/hashlib from the definition in docs/protocol.md.
  auto sig
      = compute_signature(derive_signing_key(key), "POST",
                          "/v1/tokens/retrieve?a=1&b=2", body, "1700000000", nonce, "");
  CAF_CHECK_EQUAL(sig,
                  "8003152fa55b9ad5b6a87a84f9b59791775475a981ab73cc1e5d3f36b1496203");
}

CAF_TEST(any change to a signed part breaks the signature) {
  auto k = derive_signing_key(key);
  auto sig
      = compute_signature(k, "GET", "/v1/grants?limit=1", "", "1700000000", nonce, "");
  CAF_CHECK(verify_signature(k, sig, "GET", "/v1/grants?limit=1", "", "1700000000",
                             nonce, ""));
  CAF_CHECK(!verify_signature(k, sig, "POST", "/v1/grants?limit=1", "", "1700000000",
                              nonce, ""));
  CAF_CHECK(!verify_signature(k, sig, "GET", "/v1/grants?limit=2", "", "1700000000",
                              nonce, ""));
  CAF_CHECK(!verify_signature(k, sig, "GET", "/v1/grants?limit=1", "x", "1700000000",
                              nonce, ""));
  CAF_CHECK(!verify_signature(k, sig, "GET", "/v1/grants?limit=1", "", "1700000001",
                              nonce, ""));
  CAF_CHECK(!verify_signature(k, sig, "GET", "/v1/grants?limit=1", "", "1700000000",
                              "ffffffffffffffffffffffffffffffff", ""));
  CAF_CHECK(!verify_signature(k, sig, "GET", "/v1/grants?limit=1", "", "1700000000",
                              nonce, "eyJzY29wZXMiOltdfQ"));
  CAF_CHECK(!verify_signature(derive_signing_key("alter_key_other"), sig, "GET",
                              "/v1/grants?limit=1", "", "1700000000", nonce, ""));
  CAF_CHECK(!verify_signature(k, sig.substr(1), "GET", "/v1/grants?limit=1", "",
                              "1700000000", nonce, ""));
}

CAF_TEST(sign_request adds the four headers) {
  http_request req;
  req.method = "GET";
  req.target = "/v1/me";
  sign_request(req, key, derive_signing_key(key), 1700000000, nonce);
  CAF_CHECK_EQUAL(*find_field(req.headers, "X-API-Key"), std::string{key});
  CAF_CHECK_EQUAL(*find_field(req.headers, "x-alter-timestamp"), "1700000000");
  CAF_CHECK_EQUAL(*find_field(req.headers, "x-alter-nonce"), std::string{nonce});
  CAF_CHECK_EQUAL(find_field(req.headers, "x-alter-signature")->size(), 64u);
}

CAF_TEST(primitives behave as specified) {
  CAF_CHECK_EQUAL(crypto::sha256_hex(""),
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CAF_CHECK(crypto::constant_time_equals("abc", "abc"));
  CAF_CHECK(!crypto::constant_time_equals("abc", "abd"));
  CAF_CHECK(!crypto::constant_time_equals("abc", "abcd"));
  CAF_CHECK_EQUAL(crypto::sha256_hex("abc"),
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CAF_CHECK_EQUAL(crypto::crc32("123456789"), 0xCBF43926u);
  CAF_CHECK_EQUAL(crypto::random_hex(16).size(), 32u);
  auto uuid = crypto::random_uuid();
  CAF_CHECK_EQUAL(uuid.size(), 36u);
  CAF_CHECK_EQUAL(uuid[14], '4');
}

CAF_TEST(hmac_sha256 matches RFC 4231 and keeps no key between calls) {
  // RFC 4231 test case 2.
  auto jefe
      = crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?"));
  CAF_CHECK_EQUAL(jefe,
                  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Right after a keyed call, an empty key is an empty key, not the last one.
  auto empty = crypto::to_hex(crypto::hmac_sha256("", ""));
  CAF_CHECK_EQUAL(empty,
                  "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  // RFC 4231 test case 6: a key longer than the block is hashed first.
  auto long_key = crypto::to_hex(
      crypto::hmac_sha256(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"));
  CAF_CHECK_EQUAL(long_key,
                  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // The same inputs on another thread give the same answer (contexts are per thread).
  std::string other;
  std::thread t{[&] {
    other = crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?"));
  }};
  t.join();
  CAF_CHECK_EQUAL(other, jefe);
}
