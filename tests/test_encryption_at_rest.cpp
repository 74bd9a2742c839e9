// Encryption at rest: after a run that stores every kind of secret (managed
// secrets, the identity provider's key, a stored proxied answer, an approval
// result, an approver's CSRF token, a sign-in JWT) neither the database file
// nor its WAL holds one in clear; a wrong, missing or loosely protected master
// key is refused; a value moved to another row does not decrypt and fails only
// its request; rotations keep the data readable; an older database with clear
// values is encrypted on open.
#define CAF_SUITE encryption_at_rest
#include "caf/test/unit_test.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/encryption/barrier.hpp"
#include "alter/backend/encryption/key_rotation.hpp"
#include "alter/backend/encryption/sealed_box.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/identity/local_users.hpp"
#include "alter/backend/store/sqlite/database.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"

#include "backend_world.hpp"
#include "interactive_flow.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;
namespace json = boost::json;

namespace {

using backend::encryption_error;
using backend::master_key;
using backend::master_key_options;
using backend::sqlite_store;
using backend::store;

backend::backend_options plain_options(const std::string& db_path) {
  auto o = world::options(false);
  o.database_path = db_path;
  return o;
}

/// Both files SQLite writes, as raw bytes.
std::string database_bytes(const std::string& db_path) {
  return read_file(db_path) + read_file(db_path + "-wal");
}

/// The first of `needles` found in `haystack` (shortened), or "" for none.
std::string first_found(const std::string& haystack,
                        const std::vector<std::string>& needles) {
  for (const auto& n : needles)
    if (!n.empty() && haystack.find(n) != std::string::npos)
      return n.substr(0, 16) + "...";
  return {};
}

/// What `fn` threw as encryption_error, or "" when it threw nothing.
std::string refusal_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const encryption_error& e) {
    return e.what();
  }
  return {};
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
}

std::string secret_value_of_grant(store& db, const std::string& grant_id) {
  return db.secrets().find(db.grants().find(grant_id)->managed_secret_id)->value;
}

/// A field of a JSON object text, or "".
std::string json_field(const std::string& text, const char* name) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.as_object().contains(name)
      || !v.as_object().at(name).is_string())
    return {};
  return std::string{v.as_object().at(name).as_string()};
}

/// A proxied call of agent 0 with an Idempotency-Key; the raw answer.
http_response idempotent_proxy(world& w, const std::string& idem,
                               const std::string& grant_id) {
  http_request req;
  req.method = "POST";
  req.target = "/v1/proxy/execute";
  req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", idem}};
  proxy_request body;
  body.grant.grant_id = grant_id;
  body.method = "POST";
  body.url = w.provider_url("sim-bearer") + "/v1/items";
  req.body = to_json(body);
  return w.raw(w.keys.agents[0].api_key, req, unix_now(), crypto::random_hex(16));
}

/// Holds every call of agent 1 for a human.
void hold_agent_one(world& w) {
  backend::rule_record r;
  r.id = "rule_hold";
  r.app_id = w.keys.app_id;
  r.name = "hold agent 1";
  r.target_type = "agent";
  r.target_id = w.keys.agents[1].id;
  r.rule_type = "require_approval";
  r.rule_body_json = "{}";
  r.created_at = backend::now_iso8601();
  w.backend.db().rules().insert(r);
}

/// Signs in as the bootstrap approver on the approval page; cookie and CSRF.
std::pair<std::string, std::string> approver_session(world& w,
                                                     const std::string& approval_id) {
  auto login = w.browse("POST", "/approvals/login", {},
                        "token=" + net::percent_encode(w.keys.approver_token)
                            + "&next=" + approval_id);
  const auto* set = find_field(login.headers, "set-cookie");
  if (set == nullptr)
    return {};
  auto cookie = set->substr(0, set->find(';'));
  auto html = w.browse("GET", "/approvals/" + approval_id, cookie).body;
  std::smatch m;
  std::regex re{R"re(name="csrf" value="([0-9a-f]+)")re"};
  return {cookie, std::regex_search(html, m, re) ? m[1].str() : std::string{}};
}

} // namespace

CAF_TEST(no secret value is in the database file or its WAL) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  std::vector<std::string> secrets;
  std::string marker = "visible-agent-name-" + crypto::random_hex(8);
  {
    world w{plain_options(db_path)};
    auto& db = w.backend.db();
    // Managed secrets (one per grant) and the identity provider's RSA key.
    for (const auto& a : w.keys.agents)
      for (const auto& g : a.grant_ids)
        secrets.push_back(secret_value_of_grant(db, g));
    for (const auto& g : w.keys.system_grant_ids)
      secrets.push_back(secret_value_of_grant(db, g));
    auto pem = db.settings().find("idp_signing_key_pem");
    CAF_REQUIRE(pem && pem->find("PRIVATE KEY") != std::string::npos);
    // Every base64 line of the key's body.
    std::regex line{"\n([A-Za-z0-9+/=]{64})\n"};
    for (std::sregex_iterator i{pem->begin(), pem->end(), line}, end; i != end; ++i)
      secrets.push_back((*i)[1].str());
    CAF_CHECK_GREATER(secrets.size(), 10u);
    // A proxied call whose stored answer echoes the injected credential.
    const auto& grant = w.keys.agents[0].grant_ids[0];
    auto first = idempotent_proxy(w, "idem-1", grant);
    CAF_REQUIRE_EQUAL(first.status, 200);
    auto replay = idempotent_proxy(w, "idem-1", grant);
    CAF_CHECK_EQUAL(replay.body, first.body);
    CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/v1/items"), 1);
    auto echoed = base64_decode(json_field(first.body, "body_b64")).value_or("");
    CAF_CHECK(echoed.find(secret_value_of_grant(db, grant)) != std::string::npos);
    secrets.push_back(json_field(first.body, "body_b64"));
    // An approval: its approver's CSRF token and its executed result.
    hold_agent_one(w);
    provider_call held;
    held.method = "POST";
    held.url = w.provider_url("sim-bearer") + "/v1/payments";
    held.grant_id = w.keys.agents[1].grant_ids[0];
    held.reason = "needs a human";
    auto agent = w.agent(1);
    auto pending = agent.proxy_request(held);
    CAF_REQUIRE(pending.pending);
    auto id = pending.approval.approval_id;
    auto [cookie, csrf] = approver_session(w, id);
    CAF_REQUIRE_GREATER_OR_EQUAL(csrf.size(), 32u);
    secrets.push_back(csrf);
    CAF_CHECK_EQUAL(w.browse("POST", "/approvals/" + id + "/decision", cookie,
                             "csrf=" + csrf + "&decision=approve&reason=ok")
                        .status,
                    303);
    CAF_CHECK_EQUAL(agent.await_approval(id, 20.0).status_code, 200);
    auto result = db.approvals().find(id)->result_json;
    secrets.push_back(json_field(result, "body_b64"));
    CAF_CHECK_GREATER(secrets.back().size(), 40u);
    // A completed sign-in whose JWT waits to be polled.
    auto app = w.app();
    auto session = app.create_auth_session();
    backend::set_local_user_password(db, "erin", "erin-password");
    CAF_CHECK_EQUAL(w.browse("POST", w.path_of_page(session.auth_url) + "/decision", {},
                             "username=erin&password=erin-password")
                        .status,
                    200);
    auto stored = db.sessions().find(crypto::sha256_hex(session.session_token));
    CAF_REQUIRE(stored.has_value());
    auto jwt = json_field(stored->result_json, "user_token");
    CAF_CHECK_EQUAL(jwt.size() > 100, true);
    secrets.push_back(jwt);
    // Something stored in clear, to show the scan would find a value.
    auto agent_row = *db.accounts().find_agent(w.keys.agents[0].id);
    agent_row.display_name = marker;
    db.accounts().update_agent(agent_row);
    // While the backend runs, much of it is still in the WAL.
    auto live = database_bytes(db_path);
    CAF_CHECK(live.find(marker) != std::string::npos);
    CAF_CHECK_EQUAL(first_found(live, secrets), "");
    agent.close();
    app.close();
  }
  // Closed: the WAL is checkpointed into the main file.
  auto closed = database_bytes(db_path);
  CAF_CHECK(closed.find(marker) != std::string::npos);
  CAF_CHECK_EQUAL(first_found(closed, secrets), "");
  CAF_CHECK_EQUAL(mode_of(db_path + ".master-key"), 0600u);
}

CAF_TEST(
    the TLS certificate is kept sealed across restarts and renewed when unreadable) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  auto opts = plain_options(db_path);
  opts.tls = true;
  auto warnings = std::make_shared<std::vector<std::string>>();
  opts.log_warning = [warnings](const std::string& line) { warnings->push_back(line); };
  std::string first;
  std::vector<std::string> key_lines;
  {
    backend::local_backend b{opts};
    first = b.certificate_pem();
    auto kept = b.db().settings().find("tls_identity");
    CAF_REQUIRE(kept && kept->find("PRIVATE KEY") != std::string::npos);
    // The key's base64 lines, as JSON keeps them ("\n" escaped).
    std::regex line{R"(\\n([A-Za-z0-9+/=]{64})\\n)"};
    for (std::sregex_iterator i{kept->begin(), kept->end(), line}, end; i != end; ++i)
      key_lines.push_back((*i)[1].str());
  }
  CAF_CHECK(!first.empty());
  CAF_CHECK(!key_lines.empty());
  auto bytes = database_bytes(db_path);
  for (const auto& l : key_lines)
    CAF_CHECK_EQUAL(bytes.find(l), std::string::npos);
  {
    backend::local_backend again{opts};
    CAF_CHECK_EQUAL(again.certificate_pem(), first);
    // Changed bytes in the database: the next start makes a new one, and says so.
    again.db().settings().put("tls_identity", "{\"certificate_pem\": 7}");
  }
  CAF_CHECK(warnings->empty());
  std::string second;
  {
    backend::local_backend renewed{opts};
    second = renewed.certificate_pem();
  }
  CAF_CHECK_NOT_EQUAL(second, first);
  CAF_REQUIRE_EQUAL(warnings->size(), 1u);
  CAF_CHECK(warnings->front().find("does not read") != std::string::npos);
  // A ciphertext that does not decrypt any more: the same, never a failed start.
  {
    backend::database raw{db_path};
    raw.exec("UPDATE backend_settings SET value = X'00112233445566778899' "
             "WHERE name = 'tls_identity'");
  }
  backend::local_backend again{opts};
  CAF_CHECK_NOT_EQUAL(again.certificate_pem(), second);
  CAF_CHECK_EQUAL(warnings->size(), 2u);
}

CAF_TEST(listening off loopback or in plain HTTP off loopback is warned about) {
  auto warnings = std::make_shared<std::vector<std::string>>();
  auto opts = world::options(false);
  opts.log_warning = [warnings](const std::string& line) { warnings->push_back(line); };
  { backend::local_backend on_loopback{opts}; }
  CAF_CHECK(warnings->empty());
  opts.address = "0.0.0.0";
  { backend::local_backend everywhere{opts}; }
  CAF_REQUIRE_EQUAL(warnings->size(), 1u);
  CAF_CHECK(warnings->front().find("0.0.0.0, which is not a loopback address")
            != std::string::npos);
  CAF_CHECK(warnings->front().find("plain HTTP") != std::string::npos);
}

CAF_TEST(a wrong or missing master key is refused) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  std::string value;
  {
    world w{plain_options(db_path)};
    value = secret_value_of_grant(w.backend.db(), w.keys.agents[0].grant_ids[0]);
  }
  auto key_file = db_path + ".master-key";
  auto right = read_file(key_file);
  auto other = master_key::generate().to_base64();
  auto wrong = refusal_of([&] { sqlite_store{db_path, {{}, other}}; });
  CAF_CHECK(wrong.find("wrong key") != std::string::npos);
  CAF_CHECK(wrong.find(other) == std::string::npos);
  CAF_CHECK(wrong.find(right.substr(0, 44)) == std::string::npos);
  // A program refuses to start, it does not make a new identity or keyring.
  auto opts = plain_options(db_path);
  opts.master_key.base64 = other;
  CAF_CHECK(!refusal_of([&] { backend::local_backend{opts}; }).empty());
  // The right key as base64 opens it, with no key file needed.
  CAF_CHECK_EQUAL(refusal_of([&] { sqlite_store{db_path, {{}, right}}; }), "");
  CAF_REQUIRE_EQUAL(::unlink(key_file.c_str()), 0);
  auto missing = refusal_of([&] { sqlite_store{db_path}; });
  CAF_CHECK(missing.find("is missing") != std::string::npos);
  // Refusing made no new key file.
  CAF_CHECK_EQUAL(mode_of(key_file), 0u);
  // Keys that are no keys.
  CAF_CHECK(!refusal_of([&] { sqlite_store{db_path, {{}, "c2hvcnQ="}}; }).empty());
  CAF_CHECK(!refusal_of([&] { sqlite_store{db_path, {{}, "not base64!"}}; }).empty());
  sqlite_store reopened{db_path, {{}, right}};
  CAF_CHECK_EQUAL(reopened.secrets().find_by_value("sim-bearer", value).has_value(),
                  true);
}

CAF_TEST(a key file others could read is refused) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  { sqlite_store first{db_path}; }
  auto key_file = db_path + ".master-key";
  CAF_REQUIRE_EQUAL(mode_of(key_file), 0600u);
  for (mode_t loose : {0644, 0640, 0604, 0660, 0606}) {
    CAF_REQUIRE_EQUAL(::chmod(key_file.c_str(), loose), 0);
    auto why = refusal_of([&] { sqlite_store{db_path}; });
    CAF_CHECK(why.find("looser than 0600") != std::string::npos);
  }
  CAF_REQUIRE_EQUAL(::chmod(key_file.c_str(), 0400), 0);
  CAF_CHECK_EQUAL(refusal_of([&] { sqlite_store{db_path}; }), "");
  // A symlink to the key is not followed, nor is a named file that is none.
  auto link = dir.path + "/link.key";
  CAF_REQUIRE_EQUAL(::symlink(key_file.c_str(), link.c_str()), 0);
  CAF_CHECK(!refusal_of([&] { sqlite_store{db_path, {link, {}}}; }).empty());
  CAF_CHECK(!refusal_of([&] { sqlite_store{db_path, {dir.path, {}}}; }).empty());
}

CAF_TEST(a ciphertext moved to another row does not decrypt and fails only its call) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  world w{plain_options(db_path)};
  auto& db = w.backend.db();
  const auto& grants = w.keys.agents[0].grant_ids;
  auto a = db.grants().find(grants[0])->managed_secret_id;
  auto b = db.grants().find(grants[1])->managed_secret_id;
  auto value_b = db.secrets().find(b)->value;
  {
    backend::database raw{db_path};
    auto read = raw.prepare("SELECT value FROM managed_secrets WHERE id = ?1");
    auto box_of = [&](const std::string& id) {
      read.bind(1, id);
      CAF_REQUIRE(read.step());
      auto out = read.blob(0);
      read.reset();
      return out;
    };
    auto box_a = box_of(a);
    auto box_b = box_of(b);
    CAF_CHECK_EQUAL(box_a[0], char{backend::sealed_box_version});
    CAF_CHECK_NOT_EQUAL(box_a, box_b);
    // Row a now holds row b's ciphertext: valid bytes, wrong place.
    auto write = raw.prepare("UPDATE managed_secrets SET value = ?2 WHERE id = ?1");
    write.bind(1, a).bind_blob(2, box_b);
    write.run();
  }
  auto why = refusal_of([&] { db.secrets().find(a); });
  CAF_CHECK(why.find("managed_secrets.value") != std::string::npos);
  CAF_CHECK(why.find(value_b) == std::string::npos);
  // Over the API: that grant's call is a 500 internal_error naming no secret;
  // the backend keeps serving the others.
  provider_call call;
  call.url = w.provider_url("sim-bearer") + "/v1/items";
  call.grant_id = grants[0];
  auto agent = w.agent(0);
  auto e = thrown_by([&] { agent.proxy_request(call); });
  CAF_CHECK(e.code == error_code::internal_error);
  CAF_CHECK(to_string(e).find(value_b) == std::string::npos);
  call.grant_id = grants[1];
  call.url = w.provider_url("sim-apikey") + "/v1/items";
  CAF_CHECK_EQUAL(agent.proxy_request(call).result.status_code, 200);
  agent.close();
}

CAF_TEST(rotating the master key and the data key keeps every value readable) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  auto key_file = db_path + ".master-key";
  /// Provider and value of each of agent 0's managed secrets.
  std::vector<std::pair<std::string, std::string>> values;
  std::string pem;
  {
    world w{plain_options(db_path)};
    auto& db = w.backend.db();
    for (const auto& g : w.keys.agents[0].grant_ids)
      values.emplace_back(db.grants().find(g)->provider_id,
                          secret_value_of_grant(db, g));
    pem = *db.settings().find("idp_signing_key_pem");
  }
  CAF_REQUIRE_EQUAL(values.size(), 3u);
  auto readable = [&](const master_key_options& key) {
    sqlite_store db{db_path, key};
    bool all = db.settings().find("idp_signing_key_pem") == pem;
    for (const auto& [provider, value] : values) {
      auto found = db.secrets().find_by_value(provider, value);
      all = all && found && found->value == value;
    }
    return all;
  };
  auto old_key = read_file(key_file);
  // In place: the new key replaces the file, the old one no longer opens it.
  CAF_CHECK_EQUAL(backend::rotate_master_key(db_path, {}), key_file);
  auto new_key = read_file(key_file);
  CAF_CHECK_NOT_EQUAL(new_key, old_key);
  CAF_CHECK_EQUAL(mode_of(key_file), 0600u);
  CAF_CHECK_EQUAL(mode_of(key_file + ".new"), 0u);
  CAF_CHECK(readable({}));
  CAF_CHECK(refusal_of([&] {
              sqlite_store{db_path, {{}, old_key}};
            }).find("wrong key")
            != std::string::npos);
  // To another file: the key given as base64 stays as it was until then.
  auto next_file = dir.path + "/next.key";
  CAF_CHECK_EQUAL(backend::rotate_master_key(db_path, {{}, new_key}, next_file),
                  next_file);
  CAF_CHECK_EQUAL(mode_of(next_file), 0600u);
  CAF_CHECK(readable({next_file, {}}));
  CAF_CHECK(!refusal_of([&] { sqlite_store{db_path}; }).empty());
  // Base64 without a file to write to is refused, and nothing changed.
  CAF_CHECK(!refusal_of([&] {
               backend::rotate_master_key(db_path, {{}, read_file(next_file)});
             }).empty());
  CAF_CHECK(readable({next_file, {}}));
  // The data key: every value re-encrypted under key 2, key 1 dropped.
  CAF_CHECK_EQUAL(backend::rotate_data_key(db_path, {next_file, {}}), 2u);
  CAF_CHECK(readable({next_file, {}}));
  backend::database raw{db_path};
  auto keys = raw.prepare("SELECT group_concat(id) FROM barrier_keys");
  CAF_REQUIRE(keys.step());
  CAF_CHECK_EQUAL(keys.text(0), "2");
  auto ids = raw.prepare("SELECT DISTINCT hex(substr(value, 2, 4)) FROM "
                         "managed_secrets UNION SELECT DISTINCT "
                         "hex(substr(value, 2, 4)) FROM backend_settings");
  std::vector<std::string> seen;
  while (ids.step())
    seen.push_back(ids.text(0));
  CAF_CHECK_EQUAL(seen, std::vector<std::string>{"00000002"});
}

CAF_TEST(an older database with clear values is encrypted on open) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  auto tag = crypto::random_hex(8);
  auto clear = [&](const char* what) { return std::string{what} + "-clear-" + tag; };
  std::string secret_id = "sec_1";
  std::string session_hash = crypto::sha256_hex("session");
  std::string token_hash = crypto::sha256_hex("token");
  {
    sqlite_store db{db_path};
    db.accounts().insert_app({"app_1", "app", backend::now_iso8601()});
    db.grants().put_provider(
        {"sim-bearer", "http://127.0.0.1:1/sim-bearer", "sim-bearer"});
    backend::secret_record s;
    s.id = secret_id;
    s.app_id = "app_1";
    s.slug = "s";
    s.name = "s";
    s.provider_id = "sim-bearer";
    s.value = "x";
    s.created_at = backend::now_iso8601();
    db.secrets().insert(s);
    db.settings().put("idp_signing_key_pem", "x");
    CAF_REQUIRE(db.idempotency().claim("app_1", "idem", "hash",
                                       backend::idempotency_state::executing, "owner"));
    db.idempotency().complete("app_1", "idem", "owner", 200, "x");
    backend::approval_record a;
    a.id = "apr_1";
    a.app_id = "app_1";
    a.grant_id = "g";
    a.provider_id = "sim-bearer";
    a.request_json = "{}";
    a.method = "GET";
    a.url = "http://x/";
    a.reason = "r";
    a.status = backend::approval_state::executed;
    a.created_at = a.expires_at = backend::now_iso8601();
    db.approvals().insert(a);
    db.approvals().insert_approver(
        {"apv_1", "app_1", "alice", crypto::sha256_hex("t"), backend::now_iso8601()});
    db.approvals().insert_approver_session(
        session_hash, "apv_1", "x", backend::now_iso8601(std::chrono::seconds{3600}));
    backend::interactive_session_record is;
    is.token_hash = token_hash;
    is.kind = backend::session_kind::auth;
    is.app_id = "app_1";
    is.result_json = "x";
    is.created_at = backend::now_iso8601();
    is.expires_at = backend::now_iso8601(std::chrono::seconds{600});
    db.sessions().insert(is);
  }
  // Make it what an older version wrote: clear TEXT, an index of the values
  // themselves, no keyring, no key file and no schema version.
  {
    backend::database raw{db_path};
    auto set = [&](const char* sql, const std::string& value, const std::string& row) {
      auto s = raw.prepare(sql);
      s.bind(1, value).bind(2, row);
      s.run();
    };
    set("UPDATE managed_secrets SET value = ?1, value_lookup = NULL WHERE id = ?2",
        clear("value"), secret_id);
    set("UPDATE managed_secrets SET additional_credentials_json = ?1 WHERE id = ?2",
        "{\"client_secret\":\"" + clear("credential") + "\"}", secret_id);
    set("UPDATE backend_settings SET value = ?1 WHERE name = ?2", clear("pem"),
        "idp_signing_key_pem");
    set("UPDATE idempotency SET response_body = ?1 WHERE idem_key = ?2",
        clear("answer"), "idem");
    set("UPDATE approvals SET result_json = ?1 WHERE id = ?2", clear("result"),
        "apr_1");
    set("UPDATE approver_sessions SET csrf_token = ?1 WHERE session_hash = ?2",
        clear("csrf"), session_hash);
    set("UPDATE interactive_sessions SET result_json = ?1 WHERE token_hash = ?2",
        clear("jwt"), token_hash);
    raw.exec("DELETE FROM barrier_keys");
    raw.exec("CREATE INDEX secrets_by_value ON managed_secrets(provider_id, value)");
    raw.exec("PRAGMA user_version = 0");
  }
  CAF_REQUIRE_EQUAL(::unlink((db_path + ".master-key").c_str()), 0);
  std::vector<std::string> clears;
  for (auto what : {"value", "credential", "pem", "answer", "result", "csrf", "jwt"})
    clears.push_back(clear(what));
  // The scan finds every clear value in the old files.
  auto before = database_bytes(db_path);
  for (const auto& c : clears)
    CAF_CHECK(before.find(c) != std::string::npos);
  {
    sqlite_store db{db_path};
    CAF_CHECK_EQUAL(mode_of(db_path + ".master-key"), 0600u);
    // Copies: a check must not hold a member of a destroyed optional.
    auto secret = db.secrets().find(secret_id);
    CAF_REQUIRE(secret.has_value());
    CAF_CHECK_EQUAL(secret->value, clear("value"));
    CAF_CHECK(secret->additional_credentials_json.find(clear("credential"))
              != std::string::npos);
    CAF_CHECK(db.secrets().find_by_value("sim-bearer", clear("value")).has_value());
    CAF_CHECK(!db.secrets().find_by_value("sim-bearer", "x").has_value());
    CAF_CHECK_EQUAL(db.settings().find("idp_signing_key_pem").value_or(""),
                    clear("pem"));
    auto answer = db.idempotency().find("app_1", "idem");
    CAF_REQUIRE(answer.has_value());
    CAF_CHECK(answer->state == backend::idempotency_state::done);
    CAF_CHECK_EQUAL(answer->body, clear("answer"));
    auto approval = db.approvals().find("apr_1");
    CAF_REQUIRE(approval.has_value());
    CAF_CHECK_EQUAL(approval->result_json, clear("result"));
    auto approver
        = db.approvals().find_approver_session(session_hash, backend::now_iso8601());
    CAF_REQUIRE(approver.has_value());
    CAF_CHECK_EQUAL(approver->csrf_token, clear("csrf"));
    auto session = db.sessions().find(token_hash);
    CAF_REQUIRE(session.has_value());
    CAF_CHECK_EQUAL(session->result_json, clear("jwt"));
    // Already while open: the upgrade was checkpointed out of the WAL.
    CAF_CHECK_EQUAL(first_found(database_bytes(db_path), clears), "");
  }
  CAF_CHECK_EQUAL(first_found(database_bytes(db_path), clears), "");
  backend::database raw{db_path};
  auto texts = raw.prepare(
      "SELECT (SELECT count(*) FROM managed_secrets WHERE typeof(value) != 'blob' "
      "OR typeof(additional_credentials_json) != 'blob') + (SELECT count(*) FROM "
      "sqlite_master WHERE name = 'secrets_by_value')");
  CAF_REQUIRE(texts.step());
  CAF_CHECK_EQUAL(texts.integer(0), 0);
}

CAF_TEST(a sealed box opens only with its key and its associated data) {
  auto key = crypto::random_bytes(backend::sealed_key_size);
  auto box = backend::seal_box(key, 7, "the secret", "table|column|row-1");
  CAF_CHECK_EQUAL(box.size(), backend::sealed_box_overhead + 10);
  CAF_CHECK_EQUAL(backend::sealed_box_key_id(box).value_or(0), 7u);
  CAF_CHECK_EQUAL(backend::open_box(key, box, "table|column|row-1").value_or(""),
                  "the secret");
  CAF_CHECK(!backend::open_box(key, box, "table|column|row-2"));
  CAF_CHECK(!backend::open_box(crypto::random_bytes(32), box, "table|column|row-1"));
  // Every single flipped bit, and every truncation, fails.
  for (std::size_t i = 0; i < box.size(); ++i) {
    auto bent = box;
    bent[i] = static_cast<char>(bent[i] ^ 0x01);
    CAF_CHECK(!backend::open_box(key, bent, "table|column|row-1"));
  }
  for (std::size_t n = 0; n < box.size(); ++n)
    CAF_CHECK(!backend::open_box(key, box.substr(0, n), "table|column|row-1"));
  // Fresh nonces: the same value never seals to the same bytes.
  CAF_CHECK_NOT_EQUAL(backend::seal_box(key, 7, "the secret", "a"),
                      backend::seal_box(key, 7, "the secret", "a"));
  // The barrier binds table, column and every part of the row key.
  backend::barrier b{std::map<uint32_t, std::string>{{1, crypto::random_bytes(32)}}};
  auto sealed = b.seal("v", {"idempotency", "response_body", {"app", "key"}});
  CAF_CHECK_EQUAL(b.open(sealed, {"idempotency", "response_body", {"app", "key"}}),
                  "v");
  auto fails = [&](const backend::value_address& at) {
    return !refusal_of([&] { b.open(sealed, at); }).empty();
  };
  CAF_CHECK(fails({"idempotency", "response_body", {"appk", "ey"}}));
  CAF_CHECK(fails({"idempotency", "request_hash", {"app", "key"}}));
  CAF_CHECK(fails({"approvals", "response_body", {"app", "key"}}));
  CAF_CHECK(fails({"idempotency", "response_body", {"app"}}));
  CAF_CHECK(fails({"idempotency", "response_body", {"app", "key", ""}}));
}
