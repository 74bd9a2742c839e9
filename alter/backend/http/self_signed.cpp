#include "alter/backend/http/self_signed.hpp"

#include <ctime>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <utility>

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

using extension_list = std::initializer_list<std::pair<int, const char*>>;

std::string drain(BIO* bio) {
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void check(int ok, const char* what) {
  if (ok != 1)
    throw std::runtime_error(std::string{"self-signed certificate: "} + what);
}

pkey_ptr new_key() {
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key)
    throw std::runtime_error("self-signed certificate: key generation failed");
  return key;
}

/// A certificate for `key` named `common_name`, with `extensions`, issued and
/// signed by `issuer` with `issuer_key` (itself when `issuer` is null).
x509_ptr make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                          EVP_PKEY* issuer_key, int days, extension_list extensions) {
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
  check(X509_set_pubkey(cert.get(), key), "public key");
  auto* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  auto* signer = issuer != nullptr ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)), "issuer");
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, signer, cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : extensions) {
    auto* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (ext == nullptr)
      throw std::runtime_error("self-signed certificate: extension");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0)
    throw std::runtime_error("self-signed certificate: signing failed");
  return cert;
}

tls_identity to_pem(X509* cert, EVP_PKEY* key) {
  tls_identity out;
  bio_ptr cert_bio{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_X509(cert_bio.get(), cert), "PEM certificate");
  out.certificate_pem = drain(cert_bio.get());
  bio_ptr key_bio{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr,
                                 nullptr),
        "PEM key");
  out.private_key_pem = drain(key_bio.get());
  return out;
}

bio_ptr read_only(const std::string& pem) {
  return bio_ptr{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
}

x509_ptr parse_certificate(const std::string& pem) {
  auto bio = read_only(pem);
  return x509_ptr{bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                      : nullptr};
}

/// The key in `pem`, or null; never asks for a passphrase.
pkey_ptr parse_private_key(const std::string& pem) {
  auto bio = read_only(pem);
  return pkey_ptr{
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>(""))
          : nullptr};
}

} // namespace

tls_identity make_self_signed_identity(int days) {
  auto key = new_key();
  auto cert
      = make_certificate(key.get(), "alter-local", nullptr, key.get(), days,
                         {
                             {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                             {NID_basic_constraints, "critical,CA:TRUE"},
                             {NID_key_usage, "critical,digitalSignature,keyCertSign"},
                         });
  return to_pem(cert.get(), key.get());
}

tls_identity make_certificate_authority(const std::string& common_name, int days) {
  auto key = new_key();
  auto cert
      = make_certificate(key.get(), common_name, nullptr, key.get(), days,
                         {
                             {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                             {NID_key_usage, "critical,keyCertSign,cRLSign"},
                             {NID_subject_key_identifier, "hash"},
                         });
  return to_pem(cert.get(), key.get());
}

tls_identity issue_certificate(const tls_identity& ca, const std::string& common_name,
                               certificate_use use, int days) {
  auto ca_cert = parse_certificate(ca.certificate_pem);
  auto ca_key = parse_private_key(ca.private_key_pem);
  if (!ca_cert || !ca_key || X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
    throw std::runtime_error("issuing a certificate: the CA does not parse");
  auto key = new_key();
  auto purpose = use == certificate_use::tls_server ? "serverAuth" : "clientAuth";
  auto cert
      = make_certificate(key.get(), common_name, ca_cert.get(), ca_key.get(), days,
                         {
                             {NID_basic_constraints, "critical,CA:FALSE"},
                             {NID_key_usage, "critical,digitalSignature"},
                             {NID_ext_key_usage, purpose},
                             {NID_authority_key_identifier, "keyid:always"},
                         });
  return to_pem(cert.get(), key.get());
}

bool is_matching_identity(const tls_identity& id) {
  auto cert = parse_certificate(id.certificate_pem);
  auto key = parse_private_key(id.private_key_pem);
  return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

bool is_valid_for(const tls_identity& id, int days) {
  if (!is_matching_identity(id))
    return false;
  auto cert = parse_certificate(id.certificate_pem);
  std::time_t later = std::time(nullptr) + std::time_t{days} * 24 * 3600;
  return X509_cmp_current_time(X509_get0_notBefore(cert.get())) < 0
         && X509_cmp_time(X509_get0_notAfter(cert.get()), &later) > 0;
}

bool is_certificate(const std::string& pem) {
  return parse_certificate(pem) != nullptr;
}

} // namespace alter::backend
