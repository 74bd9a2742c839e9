#include "backend/self_signed.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace alter::backend {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

std::string drain(BIO* bio) {
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void check(int ok, const char* what) {
  if (ok != 1)
    throw std::runtime_error(std::string{"self-signed certificate: "} + what);
}

} // namespace

tls_identity make_self_signed_identity(int days) {
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key)
    throw std::runtime_error("self-signed certificate: key generation failed");
  x509_ptr cert{X509_new()};
  check(X509_set_version(cert.get(), 2), "version");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof(serial)), "serial");
  serial[0] &= 0x7F;
  auto* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600 * days);
  check(X509_set_pubkey(cert.get(), key.get()), "public key");
  auto* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("alter-local"), -1,
                             -1, 0);
  check(X509_set_issuer_name(cert.get(), name), "issuer");
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
  };
  for (auto [nid, value] : extensions) {
    auto* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (ext == nullptr)
      throw std::runtime_error("self-signed certificate: extension");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
    throw std::runtime_error("self-signed certificate: signing failed");
  tls_identity out;
  bio_ptr cert_bio{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_X509(cert_bio.get(), cert.get()), "PEM certificate");
  out.certificate_pem = drain(cert_bio.get());
  bio_ptr key_bio{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr),
        "PEM key");
  out.private_key_pem = drain(key_bio.get());
  return out;
}

} // namespace alter::backend
