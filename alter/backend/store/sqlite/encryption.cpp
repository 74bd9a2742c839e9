// The store's encryption at rest: its keyring (data keys sealed by the master
// key, table barrier_keys), sealing and opening the secret columns listed in
// sealed_columns.hpp, encrypting an older database's clear values on open, and
// rotating the master key and the data key.
#include "alter/backend/store/sqlite/sqlite_store.hpp"

#include <sys/stat.h>

#include <map>
#include <vector>

#include <openssl/crypto.h>

#include "alter/backend/encryption/barrier.hpp"
#include "alter/backend/store/sqlite/connection_lease.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"

namespace alter::backend {

namespace {

struct sealed_data_key {
  uint32_t id = 0;
  std::string box;
};

std::vector<sealed_data_key> read_keyring(database& db) {
  auto s = db.prepare("SELECT id, sealed_key FROM barrier_keys ORDER BY id");
  std::vector<sealed_data_key> out;
  while (s.step())
    out.push_back({static_cast<uint32_t>(s.integer(0)), s.blob(1)});
  return out;
}

void store_data_key(database& db, uint32_t id, const std::string& box) {
  auto s = db.prepare("INSERT OR REPLACE INTO barrier_keys(id, sealed_key, created_at) "
                      "VALUES(?1, ?2, ?3)");
  s.bind(1, int64_t{id}).bind_blob(2, box).bind(3, now_iso8601());
  s.run();
}

std::string wrong_key_message(const master_key_options& options,
                              const std::string& path) {
  std::string out = "the master key does not open the data keys of " + path
                    + " (a wrong key for this database)";
  auto file = master_key_file(options, path);
  struct stat st {};
  if (!file.empty() && ::stat((file + ".new").c_str(), &st) == 0)
    out += "; an interrupted rotation left " + file
           + ".new: if it opens the database, move it to " + file;
  return out;
}

/// The rowids of the cells to reseal: clear (TEXT) ones, or every sealed one.
std::vector<int64_t> cells_to_reseal(database& db, const sealed_column_spec& c,
                                     bool all) {
  auto sql = std::string{"SELECT rowid FROM "} + c.table + " WHERE typeof(" + c.column
             + ")" + (all ? " IN ('text', 'blob')" : " = 'text'");
  auto s = db.prepare(sql);
  std::vector<int64_t> out;
  while (s.step())
    out.push_back(s.integer(0));
  return out;
}

} // namespace

void sqlite_store::open_barrier(const master_key_options& options,
                                const std::string& path) {
  int64_t sealed_now = 0;
  // Opening the store: no other thread, no batch yet.
  auto& db = connections_->writer.connection().db();
  // One transaction: a second process opening the same new database waits and
  // then finds the keyring this one made.
  run_in_transaction(db, [&] {
    auto keyring = read_keyring(db);
    auto kek = resolve_master_key(options, path, keyring.empty());
    if (keyring.empty()) {
      auto dek = barrier::generate_data_key();
      keyring.push_back({1, barrier::seal_data_key(kek, 1, dek)});
      store_data_key(db, 1, keyring.back().box);
      OPENSSL_cleanse(dek.data(), dek.size());
    }
    std::map<uint32_t, std::string> keys;
    for (const auto& k : keyring) {
      auto dek = barrier::open_data_key(kek, k.id, k.box);
      if (!dek)
        throw encryption_error(wrong_key_message(options, path));
      keys.emplace(k.id, std::move(*dek));
    }
    connections_->keys.set(std::make_shared<barrier>(std::move(keys)));
    sealed_now = reseal_values(db, false);
  });
  // The clear pages of an upgraded database leave the main file and the WAL
  // (secure_delete zeroed what the updates freed).
  if (sealed_now > 0)
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void sqlite_store::checkpoint() {
  auto& writer = connections_->writer;
  writer.acquire_flushed();
  try {
    writer.connection().db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (...) {
    writer.release();
    throw;
  }
  writer.release();
}

int64_t sqlite_store::reseal_values(database& db, bool all) {
  auto keys = connections_->keys.current();
  auto address = [](const sealed_column_spec& spec,
                    std::initializer_list<std::string_view> row) {
    return value_address{spec.table, spec.column, row};
  };
  int64_t count = 0;
  for (const auto& c : sealed_columns) {
    auto read_sql = std::string{"SELECT "} + c.row_key + ", " + c.column + " FROM "
                    + c.table + " WHERE rowid = ?1";
    auto write_sql = std::string{"UPDATE "} + c.table + " SET " + c.column
                     + " = ?2 WHERE rowid = ?1";
    auto read = db.prepare(read_sql);
    auto write = db.prepare(write_sql);
    for (auto rowid : cells_to_reseal(db, c, all)) {
      read.bind(1, rowid);
      if (!read.step())
        throw encryption_error("a row vanished while resealing");
      auto first = read.text(0);
      auto second = c.row_parts > 1 ? read.text(1) : std::string{};
      // The type first: reading the value as a blob may convert it.
      bool is_clear = read.is_text(c.row_parts);
      auto stored = read.blob(c.row_parts);
      read.reset();
      std::initializer_list<std::string_view> one{first};
      std::initializer_list<std::string_view> two{first, second};
      auto row = c.row_parts > 1 ? two : one;
      auto plain = is_clear ? stored : keys->open(stored, address(c, row));
      write.bind(1, rowid).bind_blob(2, keys->seal(plain, address(c, row)));
      write.execute();
      OPENSSL_cleanse(plain.data(), plain.size());
      ++count;
    }
  }
  // Managed secrets are found by value (the simulated providers do) through a
  // keyed hash, never the value itself.
  auto ids = db.prepare(all ? "SELECT id FROM managed_secrets"
                            : "SELECT id FROM managed_secrets "
                              "WHERE value_lookup IS NULL");
  std::vector<std::string> missing;
  while (ids.step())
    missing.push_back(ids.text(0));
  auto read
      = db.prepare("SELECT provider_id, value FROM managed_secrets WHERE id = ?1");
  auto write = db.prepare("UPDATE managed_secrets SET value_lookup = ?2 WHERE id = ?1");
  for (const auto& id : missing) {
    read.bind(1, id);
    if (!read.step())
      throw encryption_error("a row vanished while resealing");
    auto provider = read.text(0);
    const auto& spec = spec_of(sealed_column::secret_value);
    auto plain = keys->open(read.blob(1), address(spec, {id}));
    read.reset();
    write.bind(1, id).bind(2, keys->lookup_hash(provider, plain));
    write.execute();
    OPENSSL_cleanse(plain.data(), plain.size());
  }
  return count;
}

void sqlite_store::reseal_data_keys(const master_key& next) {
  connection_lease lease{sqlite_scope{connections_.get(), nullptr}, access::write};
  // Another process may have changed the keyring since this store opened it.
  auto keyring = read_keyring(lease.db());
  auto current = lease.keys();
  const auto& known = current->data_keys();
  if (keyring.size() != known.size())
    throw encryption_error("the keyring changed since the database was opened");
  for (const auto& k : keyring) {
    auto dek = known.find(k.id);
    if (dek == known.end())
      throw encryption_error("the keyring changed since the database was opened");
    store_data_key(lease.db(), k.id, barrier::seal_data_key(next, k.id, dek->second));
  }
  lease.commit();
}

void sqlite_store::rotate_data_key(const master_key& kek) {
  // A rolled back rotation must leave the keys in memory as the database has them.
  auto previous_keys = connections_->keys.current();
  auto previous = previous_keys->data_keys();
  auto forget_previous = [&] {
    for (auto& entry : previous)
      OPENSSL_cleanse(entry.second.data(), entry.second.size());
  };
  std::shared_ptr<const barrier> rotated;
  try {
    connection_lease lease{sqlite_scope{connections_.get(), nullptr}, access::write};
    auto keyring = read_keyring(lease.db());
    if (keyring.empty()
        || !barrier::open_data_key(kek, keyring.back().id, keyring.back().box))
      throw encryption_error("the master key does not open this database's data keys");
    auto id = keyring.back().id + 1;
    auto dek = barrier::generate_data_key();
    store_data_key(lease.db(), id, barrier::seal_data_key(kek, id, dek));
    // Old values open with the old keys while they are resealed under the new,
    // and until the rotation is durable (readers see the old values till then).
    auto keys = previous;
    keys.emplace(id, dek);
    connections_->keys.set(std::make_shared<barrier>(std::move(keys)));
    reseal_values(lease.db(), true);
    auto retire = lease.db().prepare("DELETE FROM barrier_keys WHERE id < ?1");
    retire.bind(1, int64_t{id});
    retire.run();
    rotated = std::make_shared<barrier>(std::map<uint32_t, std::string>{{id, dek}});
    OPENSSL_cleanse(dek.data(), dek.size());
    lease.commit();
  } catch (...) {
    connections_->keys.set(std::move(previous_keys));
    forget_previous();
    throw;
  }
  connections_->keys.set(std::move(rotated));
  previous_keys.reset();
  forget_previous();
  checkpoint();
}

uint32_t sqlite_store::data_key_id() {
  return connections_->keys.current()->current_key_id();
}

} // namespace alter::backend
