#include "alter/backend/encryption/key_rotation.hpp"

#include <cstdio>

#include "alter/backend/store/open_store.hpp"

namespace alter::backend {

std::string rotate_master_key(const std::string& database_path,
                              const master_key_options& current,
                              const std::string& new_key_file) {
  auto current_file = master_key_file(current, database_path);
  if (new_key_file.empty() && current_file.empty())
    throw encryption_error("the master key does not come from a file: name the new "
                           "key file (--new-master-key-file)");
  // Opening proves the current key (a wrong one is refused here).
  auto db = open_store(database_path, current);
  auto next = master_key::generate();
  auto target = new_key_file.empty() ? current_file + ".new" : new_key_file;
  write_master_key_file(target, next);
  try {
    db->reseal_data_keys(next);
  } catch (...) {
    // The database still opens with the current key: the new one is worthless.
    std::remove(target.c_str());
    throw;
  }
  if (!new_key_file.empty())
    return new_key_file;
  // Committed: from here only the new key opens the database. A crash before
  // the rename leaves it in "<file>.new", which the refusal message points to.
  try {
    replace_master_key_file(target, current_file);
  } catch (const encryption_error& e) {
    throw encryption_error("the database is sealed under the new key in " + target
                           + ", which could not replace the old key: " + e.what());
  }
  return current_file;
}

uint32_t rotate_data_key(const std::string& database_path,
                         const master_key_options& key) {
  auto db = open_store(database_path, key);
  db->rotate_data_key(resolve_master_key(key, database_path, false));
  return db->data_key_id();
}

} // namespace alter::backend
