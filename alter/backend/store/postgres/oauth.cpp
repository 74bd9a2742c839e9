// The PostgreSQL store's OAuth tokens (sealed at rest, with their refresh
// lease: a conditional UPDATE, so one instance wins it) and the authorization
// requests under way.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

void pg_oauth::put_tokens(const oauth_token_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "INSERT INTO oauth_tokens(grant_id, access_token, refresh_token, expires_at, "
      "scopes_json, state, refreshed_at, lease_owner, lease_until, generation) "
      "VALUES($1, $2, $3, $4, $5, 'valid', $6, '', '', $7) ON CONFLICT(grant_id) DO "
      "UPDATE SET access_token = excluded.access_token, "
      "refresh_token = excluded.refresh_token, expires_at = excluded.expires_at, "
      "scopes_json = excluded.scopes_json, state = 'valid', "
      "refreshed_at = excluded.refreshed_at, lease_owner = '', lease_until = '', "
      "generation = excluded.generation");
  s.bind(1, x.grant_id)
      .bind_blob(2, lease.seal(sealed_column::oauth_access_token, {x.grant_id},
                               x.access_token))
      .bind_blob(3, lease.seal(sealed_column::oauth_refresh_token, {x.grant_id},
                               x.refresh_token));
  s.bind(4, x.expires_at).bind(5, to_json_array(x.scopes)).bind(6, x.refreshed_at);
  s.bind(7, x.generation);
  s.run();
}

std::optional<oauth_token_record> pg_oauth::find_tokens(std::string_view grant_id) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "SELECT grant_id, access_token, refresh_token, expires_at, scopes_json, state, "
      "refreshed_at, lease_owner, lease_until, generation "
      "FROM oauth_tokens WHERE grant_id = $1");
  s.bind(1, grant_id);
  auto out = s.first([](const pg_row& row) {
    oauth_token_record x;
    x.grant_id = row.text(0);
    x.access_token = row.bytes(1);
    x.refresh_token = row.bytes(2);
    x.expires_at = row.text(3);
    x.scopes = from_json_array(row.text(4));
    // Bytes that name no state refuse the tokens rather than use them.
    x.state = stored_name(row.text(5), oauth_token_state::reauth_required);
    x.refreshed_at = row.text(6);
    x.lease_owner = row.text(7);
    x.lease_until = row.text(8);
    x.generation = row.integer(9);
    return x;
  });
  if (out) {
    out->access_token = lease.open(sealed_column::oauth_access_token, {out->grant_id},
                                   out->access_token);
    out->refresh_token = lease.open(sealed_column::oauth_refresh_token, {out->grant_id},
                                    out->refresh_token);
  }
  return out;
}

bool pg_oauth::take_lease(std::string_view grant_id, std::string_view owner,
                          std::string_view now, std::string_view until) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE oauth_tokens SET lease_owner = $2, lease_until = $4 "
                       "WHERE grant_id = $1 AND state = 'valid' "
                       "AND (lease_owner = '' OR lease_until <= $3)");
  s.bind(1, grant_id).bind(2, owner).bind(3, now).bind(4, until);
  return s.run().affected() == 1;
}

bool pg_oauth::store_refreshed(const oauth_token_record& x, std::string_view owner) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "UPDATE oauth_tokens SET access_token = $3, refresh_token = $4, expires_at = $5, "
      "scopes_json = $6, refreshed_at = $7, generation = $8, lease_owner = '', "
      "lease_until = '' WHERE grant_id = $1 AND lease_owner = $2 AND generation = $9");
  s.bind(1, x.grant_id).bind(2, owner);
  s.bind_blob(
      3, lease.seal(sealed_column::oauth_access_token, {x.grant_id}, x.access_token));
  s.bind_blob(
      4, lease.seal(sealed_column::oauth_refresh_token, {x.grant_id}, x.refresh_token));
  s.bind(5, x.expires_at).bind(6, to_json_array(x.scopes)).bind(7, x.refreshed_at);
  s.bind(8, x.generation).bind(9, x.generation - 1);
  return s.run().affected() == 1;
}

bool pg_oauth::mark_reauth_required(std::string_view grant_id, std::string_view owner) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE oauth_tokens SET state = 'reauth_required', "
                       "lease_owner = '', lease_until = '' "
                       "WHERE grant_id = $1 AND lease_owner = $2");
  s.bind(1, grant_id).bind(2, owner);
  return s.run().affected() == 1;
}

void pg_oauth::release_lease(std::string_view grant_id, std::string_view owner) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE oauth_tokens SET lease_owner = '', lease_until = '' "
                       "WHERE grant_id = $1 AND lease_owner = $2");
  s.bind(1, grant_id).bind(2, owner);
  s.run();
}

std::vector<std::string> pg_oauth::due_for_refresh(std::string_view now,
                                                   std::string_view expiring_before,
                                                   std::string_view refreshed_before,
                                                   int64_t limit) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "SELECT t.grant_id FROM oauth_tokens t JOIN grants g ON g.id = t.grant_id "
      "WHERE t.state = 'valid' AND g.status = 'active' "
      "AND (g.expires_at IS NULL OR g.expires_at = '' OR g.expires_at > $4) "
      "AND (t.expires_at < $1 OR t.refreshed_at < $2) ORDER BY t.expires_at LIMIT $3");
  s.bind(1, expiring_before).bind(2, refreshed_before).bind(3, limit).bind(4, now);
  return s.all([](const pg_row& row) { return row.text(0); });
}

void pg_oauth::insert_flow(const oauth_flow_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "INSERT INTO oauth_flows(state_hash, session_hash, provider_id, verifier, "
      "redirect_uri, created_at, expires_at) VALUES($1, $2, $3, $4, $5, $6, $7)");
  s.bind(1, x.state_hash).bind(2, x.session_hash).bind(3, x.provider_id);
  s.bind_blob(
      4, lease.seal(sealed_column::oauth_flow_verifier, {x.state_hash}, x.verifier));
  s.bind(5, x.redirect_uri).bind(6, x.created_at).bind(7, x.expires_at);
  s.run();
}

std::optional<oauth_flow_record> pg_oauth::take_flow(std::string_view state_hash) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "DELETE FROM oauth_flows WHERE state_hash = $1 RETURNING state_hash, "
      "session_hash, provider_id, verifier, redirect_uri, created_at, expires_at");
  s.bind(1, state_hash);
  auto out = s.first([](const pg_row& row) {
    oauth_flow_record x;
    x.state_hash = row.text(0);
    x.session_hash = row.text(1);
    x.provider_id = row.text(2);
    x.verifier = row.bytes(3);
    x.redirect_uri = row.text(4);
    x.created_at = row.text(5);
    x.expires_at = row.text(6);
    return x;
  });
  if (out)
    out->verifier = lease.open(sealed_column::oauth_flow_verifier, {out->state_hash},
                               out->verifier);
  return out;
}

void pg_oauth::prune_flows(std::string_view now) {
  pg_lease lease{scope_};
  auto s = lease.query("DELETE FROM oauth_flows WHERE expires_at <= $1");
  s.bind(1, now);
  s.run();
}

} // namespace alter::backend
