// The PostgreSQL store's managed secrets, sealed at rest and found by value
// through a keyed lookup hash.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

#include "alter/auth/crypto.hpp"
#include "alter/backend/encryption/barrier.hpp"

namespace alter::backend {

void pg_secrets::insert(const secret_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "INSERT INTO managed_secrets(id, app_id, slug, name, provider_id, value, "
      "injection_header, injection_format, additional_credentials_json, "
      "additional_injections_json, created_at, value_lookup) "
      "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.slug).bind(4, x.name);
  s.bind(5, x.provider_id)
      .bind_blob(6, lease.seal(sealed_column::secret_value, {x.id}, x.value));
  s.bind(7, x.injection_header).bind(8, x.injection_format);
  s.bind_blob(9, lease.seal(sealed_column::secret_credentials, {x.id},
                            x.additional_credentials_json));
  s.bind(10, x.additional_injections_json).bind(11, x.created_at);
  s.bind(12, lease.keys().lookup_hash(x.provider_id, x.value));
  s.run();
}

namespace {

std::optional<secret_record> read_secret(pg_lease& lease, std::string_view id) {
  auto s
      = lease.query("SELECT id, app_id, slug, name, provider_id, value, "
                    "injection_header, injection_format, additional_credentials_json, "
                    "additional_injections_json, created_at "
                    "FROM managed_secrets WHERE id = $1");
  s.bind(1, id);
  auto out = s.first([](const pg_row& row) {
    secret_record x;
    x.id = row.text(0);
    x.app_id = row.text(1);
    x.slug = row.text(2);
    x.name = row.text(3);
    x.provider_id = row.text(4);
    x.value = row.bytes(5);
    x.injection_header = row.text(6);
    x.injection_format = row.text(7);
    x.additional_credentials_json = row.bytes(8);
    x.additional_injections_json = row.text(9);
    x.created_at = row.text(10);
    return x;
  });
  if (out) {
    out->value = lease.open(sealed_column::secret_value, {out->id}, out->value);
    out->additional_credentials_json = lease.open(
        sealed_column::secret_credentials, {out->id}, out->additional_credentials_json);
  }
  return out;
}

} // namespace

std::optional<secret_record> pg_secrets::find(std::string_view id) {
  pg_lease lease{scope_};
  return read_secret(lease, id);
}

std::optional<secret_record> pg_secrets::find_by_value(std::string_view provider_id,
                                                       std::string_view value) {
  pg_lease lease{scope_};
  auto s = lease.query("SELECT id FROM managed_secrets WHERE provider_id = $1 "
                       "AND value_lookup = $2");
  s.bind(1, provider_id).bind(2, lease.keys().lookup_hash(provider_id, value));
  auto id = s.first([](const pg_row& row) { return row.text(0); }).value_or("");
  if (id.empty())
    return std::nullopt;
  auto found = read_secret(lease, id);
  // The hash found it; the value itself decides.
  if (!found || !crypto::constant_time_equals(found->value, value))
    return std::nullopt;
  return found;
}

} // namespace alter::backend
