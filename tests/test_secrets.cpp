// Secrets stay where they belong: after a run with successes and every kind of
// failure, no plaintext key, signing key or managed-secret value appears in an
// error the SDK raised, an error answer of the backend, an audit row, or the
// database files (keys are stored as hashes only, managed secrets encrypted).
#define CAF_SUITE secrets
#include "caf/test/unit_test.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "alter/auth/api_key.hpp"
#include "alter/auth/constraints.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/json_codec.hpp"

#include "backend_world.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

struct secrets_world : world {
  std::vector<std::string> secrets;
  std::vector<std::string> managed_values;
  /// Everything a user or operator could read: errors, answers, audit rows.
  std::string transcript;

  explicit secrets_world(const std::string& db_path) : world(options_for(db_path)) {
    auto add_key = [&](const std::string& key) {
      secrets.push_back(key);
      secrets.push_back(derive_signing_key(key));
      secrets.push_back(crypto::sha256_hex(derive_signing_key(key)));
    };
    add_key(keys.app_key);
    secrets.push_back(keys.approver_token);
    for (const auto& a : keys.agents) {
      add_key(a.api_key);
      for (const auto& g : a.grant_ids) {
        auto grant = backend.db().grants().find(g);
        auto secret = backend.db().secrets().find(grant->managed_secret_id);
        managed_values.push_back(secret->value);
      }
    }
    for (const auto& g : keys.system_grant_ids) {
      auto grant = backend.db().grants().find(g);
      managed_values.push_back(
          backend.db().secrets().find(grant->managed_secret_id)->value);
    }
  }

  static backend::backend_options options_for(const std::string& db_path) {
    auto o = options(true);
    o.database_path = db_path;
    return o;
  }

  /// Runs a call that must fail and keeps every word of its error.
  template <class F>
  void record_failure(const char* what, F&& f) {
    auto e = thrown_by(std::forward<F>(f));
    CAF_MESSAGE(what << ": " << to_string(e));
    CAF_CHECK(e.code != error_code::unknown_error);
    transcript += to_string(e) + "\n" + e.details_json + "\n" + e.request_id + "\n";
  }

  void record_answer(const http_response& r) {
    transcript += std::to_string(r.status) + " " + r.body + "\n";
    for (const auto& h : r.headers)
      transcript += h.name + ": " + h.value + "\n";
  }

  /// Names the first secret found in `text`, or "" when there is none.
  std::string first_secret_in(const std::string& text, bool managed_too = true) const {
    for (const auto& s : secrets)
      if (text.find(s) != std::string::npos)
        return s.substr(0, 12) + "...";
    if (managed_too)
      for (const auto& s : managed_values)
        if (text.find(s) != std::string::npos)
          return s.substr(0, 12) + "...";
    return {};
  }
};

} // namespace

CAF_TEST(no secret reaches errors answers audit rows or the stored keys) {
  temp_dir dir;
  secrets_world w{dir.path + "/alter.db"};
  auto agent = w.agent();
  auto app = w.app();
  // Successes in both modes, every injection style.
  for (int i = 0; i < 3; ++i) {
    provider_call call;
    call.url = w.provider_url(i == 0   ? "sim-bearer"
                              : i == 1 ? "sim-apikey"
                                       : "sim-query")
               + "/v1/items";
    call.grant_id = w.keys.agents[0].grant_ids[i];
    CAF_CHECK_EQUAL(agent.request(call).status, 200);
    CAF_CHECK_EQUAL(agent.proxy_request(call).result.status_code, 200);
  }
  provider_call call;
  call.url = w.provider_url("sim-bearer") + "/v1/items";
  call.grant_id = w.keys.agents[0].grant_ids[0];
  // Failures of every kind, some carrying secrets in their input.
  auto unknown_key = w.client(generate_key(key_type::agent));
  w.record_failure("unknown key", [&] { blocking::Agent{unknown_key, w.env}.me(); });
  auto not_a_key = w.client(w.keys.agents[0].api_key + "x");
  w.record_failure("malformed key", [&] { blocking::Agent{not_a_key, w.env}.me(); });
  auto other = call;
  other.grant_id = w.keys.agents[1].grant_ids[0];
  w.record_failure("someone else's grant", [&] { agent.request(other); });
  auto smuggled = call;
  smuggled.headers.push_back({"Authorization", "Bearer " + w.managed_values[0]});
  w.record_failure("credential header", [&] { agent.proxy_request(smuggled); });
  auto outside = call;
  outside.url = "https://example.com/?token=" + w.managed_values[1];
  w.record_failure("url outside the provider", [&] { agent.proxy_request(outside); });
  auto with_token = call;
  with_token.user_token = w.keys.app_key;
  w.record_failure("agent with a user token", [&] { agent.request(with_token); });
  // Raw requests with bent signatures, timestamps and nonces.
  const auto& key = w.keys.agents[0].api_key;
  http_request me;
  me.method = "GET";
  me.target = "/v1/me";
  auto nonce = crypto::random_hex(16);
  w.record_answer(w.raw(key, me, unix_now(), crypto::random_hex(16), true));
  w.record_answer(w.raw(key, me, unix_now() - 1000, crypto::random_hex(16)));
  w.record_answer(w.raw(key, me, unix_now(), nonce));
  w.record_answer(w.raw(key, me, unix_now(), nonce));
  auto constrained = me;
  constraints wide;
  wide.scopes = {"agents:admin"};
  constrained.headers.push_back(
      {std::string{header::constraints}, encode_constraints_header(wide)});
  w.record_answer(w.raw(key, constrained, unix_now(), crypto::random_hex(16)));
  // A revoked key, last.
  w.backend.db().accounts().set_key_status(
      w.backend.db().accounts().find_key_by_hash(crypto::sha256_hex(key))->id,
      backend::key_status::revoked);
  w.record_failure("revoked key", [&] { agent.me(); });
  agent.close();
  app.close();
  // The transcript of failures names no secret.
  CAF_CHECK_EQUAL(w.first_secret_in(w.transcript), "");
  CAF_CHECK(w.transcript.find("invalid_signature") != std::string::npos);
  CAF_CHECK(w.transcript.find("nonce_replayed") != std::string::npos);
  CAF_CHECK(w.transcript.find("constraint_not_narrowing") != std::string::npos);
  // Audit rows: every field of every row.
  auto rows = w.backend.db().audit().rows(10000);
  CAF_CHECK_GREATER_OR_EQUAL(rows.size(), 8u);
  // A credential the caller put into a query string is redacted, not kept.
  CAF_CHECK(std::any_of(rows.begin(), rows.end(), [](const auto& r) {
    return r.url == "https://example.com/?token=[redacted]";
  }));
  for (const auto& r : rows) {
    std::string all
        = r.created_at + r.request_id + r.action + std::string{to_string(r.outcome)}
          + r.app_id + r.agent_id + r.api_key_id + r.caller_key_prefix + r.caller
          + r.caller_type + r.grant_id + r.provider_id + r.method + r.url + r.error_code
          + r.reason + r.context_json + r.run_id + r.thread_id + r.tool_call_id;
    CAF_CHECK_EQUAL(w.first_secret_in(all), "");
  }
  // The database files: no plaintext or signing key and no managed-secret value
  // anywhere in their bytes (see "Encryption at rest" in docs/security.md).
  auto bytes
      = read_file(dir.path + "/alter.db") + read_file(dir.path + "/alter.db-wal");
  CAF_CHECK_GREATER(bytes.size(), 0u);
  CAF_CHECK_EQUAL(w.first_secret_in(bytes), "");
}
