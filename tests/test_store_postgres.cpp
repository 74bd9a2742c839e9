// The PostgreSQL store: the store's contract (store_conformance.hpp, as the
// SQLite store's suite `store` runs it) against a test server of this process's
// own (postgres_server.hpp), and what is PostgreSQL's own: migrations recorded
// and taken in turns, a newer schema refused, the bounded pool, broken
// connections replaced, sealed cells never in clear, no password in messages.
#define CAF_SUITE store_postgres
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "alter/backend/api/idempotency_guard.hpp"
#include "alter/backend/encryption/master_key.hpp"
#include "alter/backend/store/open_store.hpp"
#include "alter/backend/store/postgres/change_feed.hpp"
#include "alter/backend/store/postgres/postgres_store.hpp"
#include "alter/backend/store/process_identity.hpp"
#include "alter/backend/store/schema_version_error.hpp"
#include "alter/backend/store/store_unavailable.hpp"

#include "postgres_server.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

/// The conformance suite's PostgreSQL: a new database on the test server,
/// its master key as base64 (a PostgreSQL database needs it named).
struct store_fixture {
  std::string url = fresh_postgres_database();
  std::string key = backend::master_key::generate().to_base64();

  const std::string& master_key_base64() const {
    return key;
  }
  std::unique_ptr<backend::store> open() {
    return backend::open_store(url, backend::master_key_options{{}, key});
  }
  std::unique_ptr<backend::store> reopen() {
    return open();
  }
  std::unique_ptr<backend::store> reopen_with(const std::string& base64) {
    return backend::open_store(url, backend::master_key_options{{}, base64});
  }
  void raw_sql(const char* sql) {
    postgres_exec(url, sql);
  }
  std::string raw_text(const char* sql) {
    return postgres_exec(url, sql);
  }
};

template <class F>
std::string message_of(F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

} // namespace

#include "store_conformance.hpp"

CAF_TEST_FIXTURE_SCOPE(store_postgres_own, store_fixture)

CAF_TEST(postgres URLs and libpq keywords pick PostgreSQL and the rest is a path) {
  CAF_CHECK(backend::is_postgres_database("postgresql://u@h/db"));
  CAF_CHECK(backend::is_postgres_database("postgres:///db?host=/tmp"));
  CAF_CHECK(backend::is_postgres_database("dbname=alter host=/run/postgresql"));
  CAF_CHECK(backend::is_postgres_database("host=db.internal dbname=alter"));
  CAF_CHECK(!backend::is_postgres_database("alter.db"));
  CAF_CHECK(!backend::is_postgres_database(":memory:"));
  CAF_CHECK(!backend::is_postgres_database("/var/lib/alter/dbname=x"));
  CAF_CHECK(!backend::is_postgres_database("./host=x"));
  // Messages name the database without its password.
  auto shown
      = backend::describe_database("postgresql://alter:hunter2@db.test:5433/prod");
  CHECK_VALUE(shown, "postgresql://alter@db.test:5433/prod");
}

CAF_TEST(migrations are recorded and a newer schema is refused naming both versions) {
  { auto first = open(); }
  CHECK_VALUE(postgres_exec(url, "SELECT max(version) FROM schema_migrations"), "8");
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM schema_migrations"), "8");
  // Opening again applies nothing.
  { auto again = open(); }
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM schema_migrations"), "8");
  postgres_exec(url, "INSERT INTO schema_migrations VALUES(9, 'later')");
  int found = 0;
  int supported = 0;
  std::string message;
  try {
    open();
  } catch (const backend::schema_version_error& e) {
    found = e.found();
    supported = e.supported();
    message = e.what();
  }
  CHECK_VALUE(found, 9);
  CHECK_VALUE(supported, 8);
  CAF_CHECK_NOT_EQUAL(message.find("schema version 9"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(message.find("program's 8"), std::string::npos);
}

CAF_TEST(instances opening a new database at once migrate it once with one keyring) {
  std::vector<std::thread> instances;
  std::atomic<int> opened{0};
  std::atomic<int> failed{0};
  for (int i = 0; i < 4; ++i)
    instances.emplace_back([&] {
      try {
        auto db = open();
        db->accounts().insert_app({"app-" + std::to_string(opened.fetch_add(1)), "a",
                                   backend::now_iso8601()});
      } catch (const std::exception& e) {
        CAF_MESSAGE("an instance failed: " << e.what());
        ++failed;
      }
    });
  for (auto& t : instances)
    t.join();
  CHECK_VALUE(opened.load(), 4);
  CHECK_VALUE(failed.load(), 0);
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM schema_migrations"), "8");
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM barrier_keys"), "1");
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM apps"), "4");
}

CAF_TEST(a PostgreSQL database needs its master key named) {
  auto why = message_of([&] { backend::open_store(url); });
  CAF_CHECK_NOT_EQUAL(why.find("--master-key-file"), std::string::npos);
  // Nothing sealed was made without a key.
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM barrier_keys"), "0");
}

CAF_TEST(sealed cells are never in clear and a copied cell does not open) {
  auto db = open();
  db->accounts().insert_app({"app-1", "a", backend::now_iso8601()});
  db->grants().put_provider({"sim-bearer", "https://example.test", "b"});
  backend::secret_record s;
  s.app_id = "app-1";
  s.provider_id = "sim-bearer";
  s.injection_header = "Authorization";
  s.injection_format = "Bearer {token}";
  s.additional_credentials_json = "{}";
  s.created_at = backend::now_iso8601();
  for (const char* id : {"ms-1", "ms-2"}) {
    s.id = id;
    s.slug = id;
    s.name = id;
    s.value = std::string{"clear-credential-"} + id;
    db->secrets().insert(s);
  }
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM managed_secrets WHERE "
                                 "position('clear-credential'::bytea in value) > 0"),
              "0");
  // Another row's ciphertext is bound to that row: it does not open here.
  postgres_exec(url, "UPDATE managed_secrets SET value = (SELECT value FROM "
                     "managed_secrets WHERE id = 'ms-2') WHERE id = 'ms-1'");
  auto why = message_of([&] { db->secrets().find("ms-1"); });
  CAF_CHECK(!why.empty());
  CHECK_VALUE(why.find("clear-credential"), std::string::npos);
  CHECK_VALUE(db->secrets().find("ms-2")->value, "clear-credential-ms-2");
}

CAF_TEST(waiting for a connection is bounded) {
  backend::postgres_options small;
  small.pool_size = 1;
  small.connection_wait = std::chrono::milliseconds{200};
  backend::postgres_store db{url, backend::master_key_options{{}, key}, small};
  auto tx = db.begin();
  tx.accounts().insert_app({"app-1", "a", backend::now_iso8601()});
  bool unavailable = false;
  std::thread other{[&] {
    try {
      db.grants().find_provider("p");
    } catch (const backend::store_unavailable&) {
      unavailable = true;
    }
  }};
  other.join();
  CAF_CHECK(unavailable);
  tx.commit();
  // The connection is free again.
  std::thread after{[&] { CAF_CHECK(!db.grants().find_provider("p").has_value()); }};
  after.join();
}

CAF_TEST(a connection the server closed is replaced and never reused) {
  auto db = open();
  db->accounts().insert_app({"app-1", "a", backend::now_iso8601()});
  // As a server restart does: every session of the database ends.
  auto name = url.substr(std::string{"postgresql:///"}.size());
  name = name.substr(0, name.find('?'));
  postgres_exec(postgres_admin_url(), "SELECT pg_terminate_backend(pid) FROM "
                                      "pg_stat_activity WHERE datname = '"
                                          + name + "'");
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  int64_t total = 0;
  auto agents = db->accounts().list_agents("app-1", true, 10, 0, total);
  CHECK_VALUE(agents.size(), 0u);
  db->accounts().insert_app({"app-2", "b", backend::now_iso8601()});
  CHECK_VALUE(postgres_exec(url, "SELECT count(*) FROM apps"), "2");
}

CAF_TEST(text with a NUL byte is refused and never cut short) {
  auto db = open();
  db->accounts().insert_app({"app-1", "a", backend::now_iso8601()});
  backend::agent_record a;
  a.id = "agent-1";
  a.app_id = "app-1";
  a.name = std::string{"admin\0evil", 10};
  a.created_at = backend::now_iso8601();
  auto why = message_of([&] { db->accounts().insert_agent(a); });
  CAF_CHECK(!why.empty());
  CAF_CHECK(!db->accounts().find_live_agent_by_name("app-1", "admin").has_value());
  CAF_CHECK(!db->accounts().find_agent("agent-1").has_value());
  // BYTEA keeps every byte.
  db->settings().put("blob", std::string{"a\0b", 3});
  CHECK_VALUE(db->settings().find("blob").value_or("").size(), 3u);
}

CAF_TEST(a publication reaches the subscribers of other instances once) {
  auto a = open();
  auto b = open();
  std::mutex mtx;
  std::condition_variable woken;
  std::vector<std::string> seen_by_a;
  std::vector<std::string> seen_by_b;
  auto record = [&](std::vector<std::string>& into) {
    return [&](const std::string& id) {
      std::lock_guard<std::mutex> guard{mtx};
      into.push_back(id);
      woken.notify_all();
    };
  };
  auto sub_a
      = a->changes().subscribe(backend::change_topic::approval, record(seen_by_a));
  auto sub_b
      = b->changes().subscribe(backend::change_topic::approval, record(seen_by_b));
  // The listener of b may still be connecting: publish until it hears one.
  std::unique_lock<std::mutex> lock{mtx};
  for (int i = 0; i < 50 && seen_by_b.empty(); ++i) {
    lock.unlock();
    a->changes().publish(backend::change_topic::approval, "apr-" + std::to_string(i));
    lock.lock();
    woken.wait_for(lock, std::chrono::milliseconds{100},
                   [&] { return !seen_by_b.empty(); });
  }
  CAF_REQUIRE(!seen_by_b.empty());
  CHECK_VALUE(seen_by_b.front().rfind("apr-", 0), 0u);
  // Its own instance got each publication once, at once (not again by NOTIFY).
  auto published = seen_by_a.size();
  lock.unlock();
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  lock.lock();
  CHECK_VALUE(seen_by_a.size(), published);
  for (std::size_t i = 0; i < seen_by_a.size(); ++i)
    CHECK_VALUE(seen_by_a[i], "apr-" + std::to_string(i));
}

CAF_TEST(an unreachable server is store_unavailable without the password) {
  std::string why;
  bool unavailable = false;
  try {
    backend::open_store("postgresql://alter:hunter2@127.0.0.1:1/none?connect_timeout=2",
                        backend::master_key_options{{}, key});
  } catch (const backend::store_unavailable& e) {
    unavailable = true;
    why = e.what();
  }
  CAF_CHECK(unavailable);
  CHECK_VALUE(why.find("hunter2"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(why.find("postgresql://alter@127.0.0.1:1/none"),
                      std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

/// A session of its own holding the lock a running process holds on its name.
struct process_alive {
  PGconn* conn;
  process_alive(const std::string& url, const std::string& name)
      : conn(PQconnectdb(url.c_str())) {
    CAF_REQUIRE(PQstatus(conn) == CONNECTION_OK);
    auto lock_class = std::to_string(backend::process_lock_class);
    const char* params[] = {lock_class.c_str(), name.c_str()};
    PGresult* r = PQexecParams(conn, "SELECT pg_advisory_lock($1::int4, hashtext($2))",
                               2, nullptr, params, nullptr, nullptr, 0);
    CAF_REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
  }
  ~process_alive() {
    end();
  }
  /// The process dies: its session ends.
  void end() {
    if (conn)
      PQfinish(conn);
    conn = nullptr;
  }
};

} // namespace

CAF_TEST(a claim of an ended process is settled at once and that of a live one waits) {
  store_fixture f;
  auto db = f.open();
  db->accounts().insert_app({"app_1", "app", backend::now_iso8601()});
  const std::string gone(32, 'd');
  const std::string running(32, 'e');
  process_alive alive{f.url, running};
  CAF_REQUIRE(db->idempotency().claim("app_1", "k-gone", "h",
                                      backend::idempotency_state::executing, gone));
  CAF_REQUIRE(db->idempotency().claim("app_1", "k-running", "h",
                                      backend::idempotency_state::executing, running));
  CAF_CHECK(db->process_gone(gone));
  CAF_CHECK(!db->process_gone(running));
  // This process holds its own name once its change feed is connected.
  auto self_alive = [&] { return !db->process_gone(backend::this_process()); };
  for (int i = 0; i < 500 && !self_alive(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  CAF_CHECK(self_alive());
  {
    // Young claims both: the ended owner's is settled now, not after its lease.
    backend::idempotency_guard retry{*db, "app_1", "k-gone", "h",
                                     std::chrono::seconds{60}};
    auto seen = retry.look_up();
    CAF_CHECK_EQUAL(static_cast<int>(seen.kind),
                    static_cast<int>(backend::idempotency_lookup::replay));
    CAF_CHECK_EQUAL(seen.status, 409);
    CAF_CHECK(seen.body.find("idempotency_outcome_unknown") != std::string::npos);
  }
  {
    backend::idempotency_guard retry{*db, "app_1", "k-running", "h",
                                     std::chrono::seconds{60}};
    auto seen = retry.look_up();
    CAF_CHECK_EQUAL(static_cast<int>(seen.kind),
                    static_cast<int>(backend::idempotency_lookup::in_progress));
  }
  // Once that process ends too (the server notices the session's end a moment
  // after the client has gone), its claim is settled by the next retry.
  alive.end();
  for (int i = 0; i < 500 && !db->process_gone(running); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  backend::idempotency_guard retry{*db, "app_1", "k-running", "h",
                                   std::chrono::seconds{60}};
  auto seen = retry.look_up();
  CAF_CHECK_EQUAL(static_cast<int>(seen.kind),
                  static_cast<int>(backend::idempotency_lookup::replay));
  CAF_CHECK_EQUAL(seen.status, 409);
}
