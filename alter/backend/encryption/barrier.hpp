// Envelope encryption of the store's secret columns, after HashiCorp Vault's
// barrier: random 256-bit data keys encrypt the values; the master key only
// seals the data keys, which the database keeps sealed. Every value is bound to
// where it lives (table, column, row) by its associated data, so a ciphertext
// copied to another row or column does not decrypt.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "alter/backend/encryption/master_key.hpp"

namespace alter::backend {

/// Where a value lives: the associated data it is sealed with.
struct value_address {
  std::string_view table;
  std::string_view column;
  /// The row's primary key, one part per key column.
  std::initializer_list<std::string_view> row;
};

class barrier {
public:
  /// Data keys by id; new values are sealed with the highest id.
  explicit barrier(std::map<uint32_t, std::string> data_keys);
  ~barrier();
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;

  /// A fresh random data key.
  static std::string generate_data_key();
  /// Data key `id` sealed under the master key, as the database keeps it.
  static std::string seal_data_key(const master_key& kek, uint32_t id,
                                   std::string_view data_key);
  /// nullopt when `sealed` does not open under `kek` (a wrong key).
  static std::optional<std::string> open_data_key(const master_key& kek, uint32_t id,
                                                  std::string_view sealed);

  std::string seal(std::string_view plaintext, const value_address& at) const;
  /// Throws encryption_error, naming only the table and column, when `box` is
  /// not a value sealed for `at` by one of the data keys.
  std::string open(std::string_view box, const value_address& at) const;

  /// A keyed hash for finding a value by equality without storing it: hex of
  /// HMAC-SHA256 under a key derived from the current data key.
  std::string lookup_hash(std::string_view scope, std::string_view value) const;

  uint32_t current_key_id() const noexcept {
    return current_;
  }
  const std::map<uint32_t, std::string>& data_keys() const noexcept {
    return keys_;
  }

private:
  std::map<uint32_t, std::string> keys_;
  uint32_t current_ = 0;
  std::string lookup_key_;
};

} // namespace alter::backend
