// The PostgreSQL store's encryption at rest, as the SQLite store's
// (sqlite/encryption.cpp): data keys sealed by the master key in table
// barrier_keys, the secret columns of sealed_columns.hpp sealed for their
// row, rotation of the master key and of the data key.
//
// The master key must be named (--master-key-file or ALTER_MASTER_KEY): there
// is no "<database>.master-key" for a database on a server, and every instance
// sharing the database must use the same key.
#include "alter/backend/store/postgres/postgres_store.hpp"

#include <map>
#include <vector>

#include <openssl/crypto.h>

#include "alter/backend/encryption/barrier.hpp"
#include "alter/backend/store/postgres/pool.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"

namespace alter::backend {

namespace {

struct sealed_data_key {
  uint32_t id = 0;
  std::string box;
};

/// The keyring; FOR UPDATE when it is about to change, so that two instances
/// creating or rotating it take turns.
std::vector<sealed_data_key> read_keyring(pg_connection& c, bool for_update) {
  return pg_query{c, for_update ? "SELECT id, sealed_key FROM barrier_keys ORDER BY id "
                                  "FOR UPDATE"
                                : "SELECT id, sealed_key FROM barrier_keys ORDER BY id"}
      .all([](const pg_row& row) {
        return sealed_data_key{static_cast<uint32_t>(row.integer(0)), row.bytes(1)};
      });
}

void store_data_key(pg_connection& c, uint32_t id, const std::string& box) {
  pg_query{c, "INSERT INTO barrier_keys(id, sealed_key, created_at) VALUES($1, $2, $3) "
              "ON CONFLICT(id) DO UPDATE SET sealed_key = excluded.sealed_key"}
      .bind(1, int64_t{id})
      .bind_blob(2, box)
      .bind(3, now_iso8601())
      .run();
}

/// A named key only: the default file next to a database does not exist here.
void require_named_key(const master_key_options& options,
                       const std::string& description) {
  if (options.file.empty() && options.base64.empty())
    throw encryption_error("the PostgreSQL database " + description
                           + " needs its master key named: --master-key-file FILE "
                             "(the same file for every instance) or ALTER_MASTER_KEY");
}

/// The advisory lock key of the keyring's creation ("keyring" in ASCII).
constexpr int64_t keyring_lock = 0x6b657972696e67;

} // namespace

void postgres_store::open_barrier(const master_key_options& options) {
  require_named_key(options, description());
  auto c = pool_->take();
  try {
    run_in_transaction(*c, [&] {
      // Two instances opening a new database: one makes the keyring, the
      // other waits here and then finds it.
      pg_query{*c, "SELECT pg_advisory_xact_lock($1)"}.bind(1, keyring_lock).run();
      auto keyring = read_keyring(*c, false);
      auto kek = resolve_master_key(options, description(), keyring.empty());
      if (keyring.empty()) {
        auto dek = barrier::generate_data_key();
        keyring.push_back({1, barrier::seal_data_key(kek, 1, dek)});
        store_data_key(*c, 1, keyring.back().box);
        OPENSSL_cleanse(dek.data(), dek.size());
      }
      std::map<uint32_t, std::string> keys;
      for (const auto& k : keyring) {
        auto dek = barrier::open_data_key(kek, k.id, k.box);
        if (!dek)
          throw encryption_error("the master key does not open the data keys of "
                                 + description() + " (a wrong key for this database)");
        keys.emplace(k.id, std::move(*dek));
      }
      pool_->set_keys(std::make_shared<const barrier>(std::move(keys)));
    });
  } catch (...) {
    pool_->give_back(std::move(c));
    throw;
  }
  pool_->give_back(std::move(c));
}

int64_t postgres_store::reseal_values(pg_connection& c) {
  auto keys = pool_->keys();
  int64_t count = 0;
  for (const auto& col : sealed_columns) {
    // Table and column names come from the constant list, never from input.
    std::string key_cols = col.row_key;
    auto read_sql = std::string{"SELECT "} + key_cols + ", " + col.column + " FROM "
                    + col.table + " WHERE " + col.column + " IS NOT NULL FOR UPDATE";
    auto write_sql = std::string{"UPDATE "} + col.table + " SET " + col.column
                     + " = $1 WHERE "
                     + (col.row_parts > 1 ? "app_id = $2 AND idem_key = $3" : "");
    if (col.row_parts == 1)
      write_sql += key_cols + " = $2";
    auto cells = pg_query{c, read_sql}.all([&](const pg_row& row) {
      std::vector<std::string> out;
      for (int i = 0; i <= col.row_parts; ++i)
        out.push_back(i == col.row_parts ? row.bytes(i) : row.text(i));
      return out;
    });
    for (auto& cell : cells) {
      const auto& first = cell[0];
      std::string second = col.row_parts > 1 ? cell[1] : std::string{};
      auto& stored = cell.back();
      std::initializer_list<std::string_view> one{first};
      std::initializer_list<std::string_view> two{first, second};
      auto row = col.row_parts > 1 ? two : one;
      if (stored.empty() && col.nullable)
        continue;
      auto plain = keys->open(stored, {col.table, col.column, row});
      pg_query write{c, write_sql};
      write.bind_blob(1, keys->seal(plain, {col.table, col.column, row}));
      write.bind(2, first);
      if (col.row_parts > 1)
        write.bind(3, second);
      write.run();
      OPENSSL_cleanse(plain.data(), plain.size());
      ++count;
    }
  }
  // Managed secrets are found by value through a hash keyed by the current
  // data key: every one is hashed again.
  auto secrets = pg_query{c, "SELECT id, provider_id, value FROM managed_secrets"}.all(
      [](const pg_row& row) {
        return std::vector<std::string>{row.text(0), row.text(1), row.bytes(2)};
      });
  for (auto& s : secrets) {
    auto plain = keys->open(s[2], {"managed_secrets", "value", {s[0]}});
    pg_query{c, "UPDATE managed_secrets SET value_lookup = $2 WHERE id = $1"}
        .bind(1, s[0])
        .bind(2, keys->lookup_hash(s[1], plain))
        .run();
    OPENSSL_cleanse(plain.data(), plain.size());
  }
  return count;
}

void postgres_store::reseal_data_keys(const master_key& next) {
  pg_lease lease{pg_scope{pool_.get(), nullptr}};
  run_in_transaction(lease.connection(), [&] {
    // Another instance may have changed the keyring since this one opened it.
    auto keyring = read_keyring(lease.connection(), true);
    const auto& known = lease.keys().data_keys();
    if (keyring.size() != known.size())
      throw encryption_error("the keyring changed since the database was opened");
    for (const auto& k : keyring) {
      auto dek = known.find(k.id);
      if (dek == known.end())
        throw encryption_error("the keyring changed since the database was opened");
      store_data_key(lease.connection(), k.id,
                     barrier::seal_data_key(next, k.id, dek->second));
    }
  });
}

void postgres_store::rotate_data_key(const master_key& kek) {
  pg_lease lease{pg_scope{pool_.get(), nullptr}};
  auto& c = lease.connection();
  // A rolled back rotation must leave the keys in memory as the database has them.
  auto previous = pool_->keys();
  try {
    run_in_transaction(c, [&] {
      // Writers of sealed cells wait until the rotation ends; readers do not.
      c.exec("LOCK TABLE managed_secrets, backend_settings, idempotency, approvals, "
             "approver_sessions, interactive_sessions, providers, oauth_tokens, "
             "oauth_flows IN EXCLUSIVE MODE");
      auto keyring = read_keyring(c, true);
      if (keyring.empty()
          || !barrier::open_data_key(kek, keyring.back().id, keyring.back().box))
        throw encryption_error(
            "the master key does not open this database's data keys");
      auto id = keyring.back().id + 1;
      auto dek = barrier::generate_data_key();
      store_data_key(c, id, barrier::seal_data_key(kek, id, dek));
      // Old values open with the old keys while they are resealed under the new.
      auto keys = previous->data_keys();
      keys.emplace(id, dek);
      pool_->set_keys(std::make_shared<const barrier>(std::move(keys)));
      reseal_values(c);
      pg_query{c, "DELETE FROM barrier_keys WHERE id < $1"}.bind(1, int64_t{id}).run();
      pool_->set_keys(
          std::make_shared<const barrier>(std::map<uint32_t, std::string>{{id, dek}}));
      OPENSSL_cleanse(dek.data(), dek.size());
    });
  } catch (...) {
    pool_->set_keys(previous);
    throw;
  }
}

uint32_t postgres_store::data_key_id() {
  return pool_->keys()->current_key_id();
}

} // namespace alter::backend
