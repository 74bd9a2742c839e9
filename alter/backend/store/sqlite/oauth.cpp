// The SQLite store's OAuth tokens (sealed at rest, with their refresh lease)
// and the authorization requests under way.
#include "alter/backend/store/sqlite/repositories.hpp"
#include "alter/backend/store/sqlite/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

void sqlite_oauth::put_tokens(const oauth_token_record& x) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "INSERT OR REPLACE INTO oauth_tokens(grant_id, access_token, refresh_token, "
      "expires_at, scopes_json, state, refreshed_at, lease_owner, lease_until, "
      "generation) VALUES(?1, ?2, ?3, ?4, ?5, 'valid', ?6, '', '', ?7)");
  s.bind(1, x.grant_id)
      .bind_blob(2, lease.seal(sealed_column::oauth_access_token, {x.grant_id},
                               x.access_token))
      .bind_blob(3, lease.seal(sealed_column::oauth_refresh_token, {x.grant_id},
                               x.refresh_token));
  s.bind(4, x.expires_at).bind(5, to_json_array(x.scopes)).bind(6, x.refreshed_at);
  s.bind(7, x.generation);
  s.execute();
  lease.commit();
}

std::optional<oauth_token_record> sqlite_oauth::find_tokens(std::string_view grant_id) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached(
      "SELECT grant_id, access_token, refresh_token, expires_at, scopes_json, state, "
      "refreshed_at, lease_owner, lease_until, generation "
      "FROM oauth_tokens WHERE grant_id = ?1");
  s.bind(1, grant_id);
  std::optional<oauth_token_record> out;
  if (s.step()) {
    oauth_token_record x;
    x.grant_id = s.text(0);
    x.access_token = s.blob(1);
    x.refresh_token = s.blob(2);
    x.expires_at = s.text(3);
    x.scopes = from_json_array(s.text(4));
    // Bytes that name no state refuse the tokens rather than use them.
    x.state = stored_name(s.text(5), oauth_token_state::reauth_required);
    x.refreshed_at = s.text(6);
    x.lease_owner = s.text(7);
    x.lease_until = s.text(8);
    x.generation = s.integer(9);
    out = std::move(x);
  }
  s.reset();
  if (out) {
    out->access_token = lease.open(sealed_column::oauth_access_token, {out->grant_id},
                                   out->access_token);
    out->refresh_token = lease.open(sealed_column::oauth_refresh_token, {out->grant_id},
                                    out->refresh_token);
  }
  return out;
}

bool sqlite_oauth::take_lease(std::string_view grant_id, std::string_view owner,
                              std::string_view now, std::string_view until) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE oauth_tokens SET lease_owner = ?2, lease_until = ?4 "
                         "WHERE grant_id = ?1 AND state = 'valid' "
                         "AND (lease_owner = '' OR lease_until <= ?3)");
  s.bind(1, grant_id).bind(2, owner).bind(3, now).bind(4, until);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

bool sqlite_oauth::store_refreshed(const oauth_token_record& x,
                                   std::string_view owner) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "UPDATE oauth_tokens SET access_token = ?3, refresh_token = ?4, expires_at = ?5, "
      "scopes_json = ?6, refreshed_at = ?7, generation = ?8, lease_owner = '', "
      "lease_until = '' WHERE grant_id = ?1 AND lease_owner = ?2 AND generation = ?9");
  s.bind(1, x.grant_id).bind(2, owner);
  s.bind_blob(
      3, lease.seal(sealed_column::oauth_access_token, {x.grant_id}, x.access_token));
  s.bind_blob(
      4, lease.seal(sealed_column::oauth_refresh_token, {x.grant_id}, x.refresh_token));
  s.bind(5, x.expires_at).bind(6, to_json_array(x.scopes)).bind(7, x.refreshed_at);
  s.bind(8, x.generation).bind(9, x.generation - 1);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

bool sqlite_oauth::mark_reauth_required(std::string_view grant_id,
                                        std::string_view owner) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE oauth_tokens SET state = 'reauth_required', "
                         "lease_owner = '', lease_until = '' "
                         "WHERE grant_id = ?1 AND lease_owner = ?2");
  s.bind(1, grant_id).bind(2, owner);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

void sqlite_oauth::release_lease(std::string_view grant_id, std::string_view owner) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE oauth_tokens SET lease_owner = '', lease_until = '' "
                         "WHERE grant_id = ?1 AND lease_owner = ?2");
  s.bind(1, grant_id).bind(2, owner);
  s.execute();
  lease.commit();
}

std::vector<std::string>
sqlite_oauth::due_for_refresh(std::string_view now, std::string_view expiring_before,
                              std::string_view refreshed_before, int64_t limit) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached(
      "SELECT t.grant_id FROM oauth_tokens t JOIN grants g ON g.id = t.grant_id "
      "WHERE t.state = 'valid' AND g.status = 'active' "
      "AND (g.expires_at IS NULL OR g.expires_at = '' OR g.expires_at > ?4) "
      "AND (t.expires_at < ?1 OR t.refreshed_at < ?2) ORDER BY t.expires_at LIMIT ?3");
  s.bind(1, expiring_before).bind(2, refreshed_before).bind(3, limit).bind(4, now);
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.text(0));
  s.reset();
  return out;
}

void sqlite_oauth::insert_flow(const oauth_flow_record& x) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "INSERT INTO oauth_flows(state_hash, session_hash, provider_id, verifier, "
      "redirect_uri, created_at, expires_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(1, x.state_hash).bind(2, x.session_hash).bind(3, x.provider_id);
  s.bind_blob(
      4, lease.seal(sealed_column::oauth_flow_verifier, {x.state_hash}, x.verifier));
  s.bind(5, x.redirect_uri).bind(6, x.created_at).bind(7, x.expires_at);
  s.execute();
  lease.commit();
}

std::optional<oauth_flow_record> sqlite_oauth::take_flow(std::string_view state_hash) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "DELETE FROM oauth_flows WHERE state_hash = ?1 RETURNING state_hash, "
      "session_hash, provider_id, verifier, redirect_uri, created_at, expires_at");
  s.bind(1, state_hash);
  std::optional<oauth_flow_record> out;
  if (s.step()) {
    oauth_flow_record x;
    x.state_hash = s.text(0);
    x.session_hash = s.text(1);
    x.provider_id = s.text(2);
    x.verifier = s.blob(3);
    x.redirect_uri = s.text(4);
    x.created_at = s.text(5);
    x.expires_at = s.text(6);
    out = std::move(x);
  }
  s.reset();
  if (out)
    out->verifier = lease.open(sealed_column::oauth_flow_verifier, {out->state_hash},
                               out->verifier);
  lease.commit();
  return out;
}

void sqlite_oauth::prune_flows(std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("DELETE FROM oauth_flows WHERE expires_at <= ?1");
  s.bind(1, now);
  s.execute();
  lease.commit();
}

} // namespace alter::backend
