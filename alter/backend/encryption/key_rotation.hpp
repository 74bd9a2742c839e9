// Rotating the keys of the store's encryption at rest, on a database file
// (alter-local rotate-master-key, rotate-data-key; see docs/security.md).
#pragma once

#include <string>

#include "alter/backend/encryption/master_key.hpp"

namespace alter::backend {

/// Re-seals the data keys of the database under a new random master key. The
/// new key goes to `new_key_file` (made, mode 0600; it must not exist); when that
/// is empty it replaces the key file the current key came from: it is written to
/// "<file>.new" first and renamed over the file once the database committed.
/// Returns the file now holding the master key. A running server is unaffected:
/// the data keys, and with them every value, stay the same.
std::string rotate_master_key(const std::string& database_path,
                              const master_key_options& current,
                              const std::string& new_key_file = {});

/// Re-encrypts every sealed value under a new data key in one transaction and
/// drops the old data keys; returns the new key's id. Run it with the server
/// stopped: a server still holding the old data keys cannot read the new values.
uint32_t rotate_data_key(const std::string& database_path,
                         const master_key_options& key);

} // namespace alter::backend
