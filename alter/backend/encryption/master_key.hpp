// The master key (key-encryption key) of the store's encryption at rest: 32
// random bytes held outside the database, in a key file of mode 0600 next to it
// (made on first start) or given as base64 (alter-local: ALTER_MASTER_KEY). It
// only seals the database's data keys; see barrier.hpp and docs/security.md.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace alter::backend {

/// Encryption at rest cannot proceed: no key, a wrong key, a key file others can
/// read, a value that does not decrypt. Messages name files and columns, never
/// key bytes, plaintext or ciphertext.
class encryption_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Where the master key comes from.
struct master_key_options {
  /// The key file; empty: "<database>.master-key" (nothing for ":memory:").
  std::string file;
  /// Base64 of 32 bytes; when set, no key file is read or written.
  std::string base64;
};

class master_key {
public:
  /// Throws encryption_error unless `bytes` are 32 bytes.
  explicit master_key(std::string bytes);
  ~master_key();
  master_key(const master_key&) = default;
  master_key& operator=(const master_key&) = default;

  static master_key generate();
  /// Throws encryption_error unless `text` is base64 of 32 bytes (surrounding
  /// whitespace allowed).
  static master_key from_base64(std::string_view text);
  std::string to_base64() const;

  const std::string& bytes() const noexcept {
    return bytes_;
  }

private:
  std::string bytes_;
};

/// The key file `options` name for the database at `database_path`; empty when
/// the key comes from base64 or the database lives in memory with no file named.
std::string master_key_file(const master_key_options& options,
                            const std::string& database_path);

/// Reads a key file. Throws encryption_error when it is missing, no regular
/// file, readable or writable by group or others (looser than 0600), or does not
/// hold base64 of 32 bytes.
master_key read_master_key_file(const std::string& path);

/// Creates `path` (mode 0600, never over an existing file or a symlink) holding
/// `key`, flushed to disk with its directory entry. Throws encryption_error.
void write_master_key_file(const std::string& path, const master_key& key);

/// Renames key file `from` over `to`, durably. Throws encryption_error.
void replace_master_key_file(const std::string& from, const std::string& to);

/// The key of the database: from base64, else from its file. A missing file is
/// made with a new key only when `may_create` (no encrypted data needs an old
/// key); a database in memory without a named file gets a key kept nowhere.
master_key resolve_master_key(const master_key_options& options,
                              const std::string& database_path, bool may_create);

} // namespace alter::backend
