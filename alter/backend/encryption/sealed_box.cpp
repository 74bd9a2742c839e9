#include "alter/backend/encryption/sealed_box.hpp"

#include <limits>
#include <memory>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "alter/auth/crypto.hpp"

namespace alter::backend {

namespace {

/// Version and key id: authenticated too, so neither can be bent.
constexpr int header_size = 1 + 4;
constexpr int nonce_size = 12;
constexpr int tag_size = 16;

using cipher_context = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

cipher_context new_context() {
  cipher_context ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  if (!ctx)
    throw std::runtime_error("cannot allocate a cipher context");
  return ctx;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s, std::size_t offset = 0) {
  return reinterpret_cast<unsigned char*>(s.data()) + offset;
}

/// AES-256-GCM, fetched once: EVP_aes_256_gcm() makes every init look it up.
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr)
    throw std::runtime_error("OpenSSL has no AES-256-GCM");
  return cipher;
}

/// EVP takes int lengths: larger inputs are refused rather than truncated.
bool fits_int(std::size_t n) {
  return n <= static_cast<std::size_t>(std::numeric_limits<int>::max() / 2);
}

} // namespace

std::string seal_box(std::string_view key, uint32_t key_id, std::string_view plaintext,
                     std::string_view associated_data) {
  if (key.size() != sealed_key_size)
    throw std::invalid_argument("sealing needs a 256-bit key");
  if (!fits_int(plaintext.size()) || !fits_int(associated_data.size()))
    throw std::length_error("value too large to seal");
  auto nonce = crypto::random_bytes(nonce_size);
  std::string out;
  out.reserve(sealed_box_overhead + plaintext.size());
  out += static_cast<char>(sealed_box_version);
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((key_id >> shift) & 0xFF);
  out += nonce;
  auto body_at = out.size();
  out.resize(body_at + plaintext.size() + tag_size);
  auto ctx = new_context();
  int n = 0;
  int tail = 0;
  if (EVP_EncryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, bytes(key), bytes(nonce))
          != 1
      || EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes(out), header_size) != 1
      || EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes(associated_data),
                           static_cast<int>(associated_data.size()))
             != 1
      || EVP_EncryptUpdate(ctx.get(), bytes(out, body_at), &n, bytes(plaintext),
                           static_cast<int>(plaintext.size()))
             != 1
      || EVP_EncryptFinal_ex(ctx.get(), bytes(out, body_at + n), &tail) != 1
      || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size,
                             bytes(out, body_at + plaintext.size()))
             != 1)
    throw std::runtime_error("AES-256-GCM encryption failed");
  return out;
}

std::optional<uint32_t> sealed_box_key_id(std::string_view box) {
  if (box.size() < sealed_box_overhead
      || static_cast<unsigned char>(box[0]) != sealed_box_version)
    return std::nullopt;
  uint32_t id = 0;
  for (int i = 1; i < header_size; ++i)
    id = (id << 8) | static_cast<unsigned char>(box[i]);
  return id;
}

std::optional<std::string> open_box(std::string_view key, std::string_view box,
                                    std::string_view associated_data) {
  if (key.size() != sealed_key_size || !sealed_box_key_id(box) || !fits_int(box.size())
      || !fits_int(associated_data.size()))
    return std::nullopt;
  auto nonce = box.substr(header_size, nonce_size);
  auto body = box.substr(header_size + nonce_size, box.size() - sealed_box_overhead);
  std::string tag{box.substr(box.size() - tag_size)};
  std::string out(body.size(), '\0');
  auto ctx = new_context();
  int n = 0;
  int tail = 0;
  bool ok
      = EVP_DecryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, bytes(key), bytes(nonce))
            == 1
        && EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes(box), header_size) == 1
        && EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes(associated_data),
                             static_cast<int>(associated_data.size()))
               == 1
        && EVP_DecryptUpdate(ctx.get(), bytes(out), &n, bytes(body),
                             static_cast<int>(body.size()))
               == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data())
               == 1
        // Final checks the tag: nothing decrypted counts before it passes.
        && EVP_DecryptFinal_ex(ctx.get(), bytes(out, static_cast<std::size_t>(n)),
                               &tail)
               == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

} // namespace alter::backend
