#include "alter/backend/encryption/barrier.hpp"

#include <openssl/crypto.h>

#include "alter/auth/crypto.hpp"
#include "alter/backend/encryption/sealed_box.hpp"

namespace alter::backend {

namespace {

/// Length-prefixed parts, so that no two addresses share associated data.
void append_part(std::string& out, std::string_view part) {
  auto n = static_cast<uint32_t>(part.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((n >> shift) & 0xFF);
  out += part;
}

std::string associated_data(const value_address& at) {
  std::string out = "alter.barrier.v1";
  append_part(out, at.table);
  append_part(out, at.column);
  for (auto part : at.row)
    append_part(out, part);
  return out;
}

std::string data_key_address(uint32_t id) {
  std::string out = "alter.barrier.v1.data-key";
  append_part(out, std::to_string(id));
  return out;
}

/// The master key has no id of its own: it is one key at a time.
constexpr uint32_t master_key_id = 0;

} // namespace

barrier::barrier(std::map<uint32_t, std::string> data_keys)
    : keys_(std::move(data_keys)) {
  if (keys_.empty())
    throw encryption_error("the barrier needs a data key");
  for (const auto& [id, key] : keys_)
    if (key.size() != sealed_key_size)
      throw encryption_error("a data key is 32 bytes");
  current_ = keys_.rbegin()->first;
  lookup_key_ = crypto::hmac_sha256(keys_.rbegin()->second, "alter.barrier.v1.lookup");
}

barrier::~barrier() {
  for (auto& entry : keys_)
    OPENSSL_cleanse(entry.second.data(), entry.second.size());
  OPENSSL_cleanse(lookup_key_.data(), lookup_key_.size());
}

std::string barrier::generate_data_key() {
  return crypto::random_bytes(sealed_key_size);
}

std::string barrier::seal_data_key(const master_key& kek, uint32_t id,
                                   std::string_view data_key) {
  return seal_box(kek.bytes(), master_key_id, data_key, data_key_address(id));
}

std::optional<std::string> barrier::open_data_key(const master_key& kek, uint32_t id,
                                                  std::string_view sealed) {
  return open_box(kek.bytes(), sealed, data_key_address(id));
}

std::string barrier::seal(std::string_view plaintext, const value_address& at) const {
  return seal_box(keys_.at(current_), current_, plaintext, associated_data(at));
}

std::string barrier::open(std::string_view box, const value_address& at) const {
  auto fail = [&] {
    return encryption_error(std::string{"a value of "} + std::string{at.table} + "."
                            + std::string{at.column} + " does not decrypt");
  };
  auto id = sealed_box_key_id(box);
  if (!id)
    throw fail();
  auto key = keys_.find(*id);
  if (key == keys_.end())
    throw fail();
  auto plain = open_box(key->second, box, associated_data(at));
  if (!plain)
    throw fail();
  return std::move(*plain);
}

std::string barrier::lookup_hash(std::string_view scope, std::string_view value) const {
  std::string input;
  append_part(input, scope);
  append_part(input, value);
  auto out = crypto::to_hex(crypto::hmac_sha256(lookup_key_, input));
  OPENSSL_cleanse(input.data(), input.size());
  return out;
}

} // namespace alter::backend
