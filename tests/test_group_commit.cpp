// Group commit in the SQLite store on a database file: concurrent transactions
// share flushes, every commit that returned is durable (a new connection and a
// reopened store see it), rollbacks and throwing transactions take only their
// own writes, autocommit reads never see writes before they are durable (and do
// not wait for the writer), and a failing flush fails every commit of its batch.
#define CAF_SUITE group_commit
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alter/backend/store/sqlite/database.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"

#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;
using backend::sqlite_store;

namespace {

backend::provider_record provider(const std::string& id) {
  return {id, "https://example.test/" + id, id};
}

/// Whether a brand-new connection to the file sees provider `id`.
bool on_disk(const std::string& path, const std::string& id) {
  backend::database raw{path, backend::open_mode::read_only};
  auto s = raw.prepare("SELECT count(*) FROM providers WHERE id = ?1");
  s.bind(1, id);
  return s.step() && s.integer(0) == 1;
}

std::set<std::string> provider_ids(sqlite_store& db) {
  std::set<std::string> out;
  for (const auto& p : db.grants().list_providers())
    out.insert(p.id);
  return out;
}

/// Runs `fn(thread_index)` on `n` threads started together.
template <class F>
void on_threads(int n, F fn) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t)
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < n)
        std::this_thread::yield();
      fn(t);
    });
  for (auto& t : threads)
    t.join();
}

/// Makes the COMMIT about to run fail for real: a foreign key checked only at
/// commit is broken.
void break_the_commit(backend::database& db) {
  db.exec("PRAGMA defer_foreign_keys=ON");
  db.exec("INSERT INTO agents(id, app_id, name, created_at) "
          "VALUES('orphan', 'no-such-app', 'orphan', '2026-01-01T00:00:00Z')");
}

/// Whether `write` threw the store's error (the write was not acknowledged).
template <class Write>
bool refused_by_the_store(Write write) {
  try {
    write();
  } catch (const backend::sqlite_error&) {
    return true;
  }
  return false;
}

std::string id_of(int thread, int i) {
  return "p-" + std::to_string(thread) + "-" + std::to_string(i);
}

} // namespace

CAF_TEST(concurrent transactions share flushes and all survive reopening) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  constexpr int threads = 16;
  constexpr int per_thread = 50;
  std::atomic<int> not_on_disk{0};
  uint64_t transactions = 0;
  uint64_t flushes = 0;
  {
    sqlite_store db{path};
    auto before = db.stats();
    on_threads(threads, [&](int t) {
      for (int i = 0; i < per_thread; ++i) {
        auto id = id_of(t, i);
        if (i % 2 == 0) {
          auto tx = db.begin();
          tx.grants().put_provider(provider(id));
          tx.grants().put_provider(provider(id + "-second"));
          tx.commit();
        } else {
          // An autocommit write is a one-call transaction of the same batches.
          db.grants().put_provider(provider(id));
          db.grants().put_provider(provider(id + "-second"));
        }
        // Returned: committed for every connection, not just in the batch.
        if (i % 10 == 0 && !on_disk(path, id))
          not_on_disk.fetch_add(1);
      }
    });
    auto after = db.stats();
    transactions = after.transactions - before.transactions;
    flushes = after.flushes - before.flushes;
  }
  CAF_CHECK_EQUAL(not_on_disk.load(), 0);
  // 25 transactions and 50 autocommit writes per thread.
  CAF_CHECK_EQUAL(transactions, uint64_t{threads * (per_thread / 2 + per_thread)});
  CAF_CHECK_GREATER(flushes, uint64_t{0});
  // One fsync per commit would be 1200: concurrent commits shared them.
  CAF_CHECK_LESS(flushes * 2, transactions);
  sqlite_store reopened{path};
  auto ids = provider_ids(reopened);
  size_t missing = 0;
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i)
      missing
          += ids.count(id_of(t, i)) + ids.count(id_of(t, i) + "-second") == 2 ? 0 : 1;
  CAF_CHECK_EQUAL(missing, 0u);
}

CAF_TEST(rolled back and throwing transactions leave the others writes) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  constexpr int threads = 8;
  constexpr int per_thread = 40;
  uint64_t committed = 0;
  uint64_t flushes = 0;
  {
    sqlite_store db{path};
    db.accounts().insert_app({"app", "app", backend::now_iso8601()});
    auto before = db.stats();
    on_threads(threads, [&](int t) {
      for (int i = 0; i < per_thread; ++i) {
        auto id = id_of(t, i);
        switch (i % 4) {
          case 0: { // destroyed without commit
            auto tx = db.begin();
            tx.grants().put_provider(provider(id + "-dropped"));
            break;
          }
          case 1: // throws half-way
            try {
              backend::in_transaction(db, [&](backend::transaction& tx) {
                tx.grants().put_provider(provider(id + "-dropped"));
                throw std::runtime_error{"changed my mind"};
              });
            } catch (const std::runtime_error&) {
            }
            break;
          case 2: { // a refused statement (no such app) inside a committed one
            auto tx = db.begin();
            tx.grants().put_provider(provider(id));
            backend::agent_record orphan;
            orphan.id = id;
            orphan.app_id = "no-such-app";
            orphan.name = id;
            orphan.created_at = backend::now_iso8601();
            try {
              tx.accounts().insert_agent(orphan);
            } catch (const backend::sqlite_error&) {
            }
            tx.commit();
            break;
          }
          default: // a refused autocommit write
            db.grants().put_provider(provider(id));
            try {
              db.accounts().insert_app({"app", "again", backend::now_iso8601()});
            } catch (const backend::sqlite_error&) {
            }
        }
      }
    });
    auto after = db.stats();
    committed = after.transactions - before.transactions;
    flushes = after.flushes - before.flushes;
  }
  CAF_CHECK_EQUAL(committed, uint64_t{threads * per_thread / 2});
  CAF_CHECK_LESS(flushes, committed);
  sqlite_store reopened{path};
  auto ids = provider_ids(reopened);
  size_t wrong = 0;
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i) {
      bool kept = i % 4 >= 2;
      if (ids.count(id_of(t, i)) != (kept ? 1u : 0u)
          || ids.count(id_of(t, i) + "-dropped") != 0)
        ++wrong;
    }
  CAF_CHECK_EQUAL(wrong, 0u);
  CAF_CHECK(!reopened.accounts().find_agent(id_of(0, 2)).has_value());
}

CAF_TEST(a reader sees a commit only once it is durable and never waits for it) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  std::atomic<bool> armed{false};
  std::atomic<int> flushes_seen{0};
  std::atomic<bool> reader_saw{true};
  std::atomic<bool> new_connection_saw{true};
  backend::sqlite_store_options options;
  sqlite_store* store = nullptr;
  options.before_flush = [&](backend::database&, int) {
    if (!armed.exchange(false))
      return;
    flushes_seen.fetch_add(1);
    // The batch is written but not yet committed: an autocommit read on another
    // thread (this one holds the writer) must not see it, and must not wait for
    // the writer either, or this join would never return.
    std::thread reader{[&] {
      reader_saw = store->grants().find_provider("p").has_value();
      new_connection_saw = on_disk(path, "p");
    }};
    reader.join();
  };
  sqlite_store db{path, {}, options};
  store = &db;
  armed = true;
  {
    auto tx = db.begin();
    tx.grants().put_provider(provider("p"));
    // Inside the transaction its own write is visible.
    CAF_CHECK(tx.grants().find_provider("p").has_value());
    tx.commit();
  }
  CAF_CHECK_EQUAL(flushes_seen.load(), 1);
  CAF_CHECK(!reader_saw.load());
  CAF_CHECK(!new_connection_saw.load());
  // commit() returned: durable, visible to every reader.
  CAF_CHECK(db.grants().find_provider("p").has_value());
  CAF_CHECK(on_disk(path, "p"));
  // The same for an autocommit write.
  armed = true;
  db.grants().put_provider(provider("q"));
  CAF_CHECK_EQUAL(flushes_seen.load(), 2);
  CAF_CHECK(db.grants().find_provider("q").has_value());
}

CAF_TEST(a failing flush fails every commit of its batch and keeps none of them) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  std::atomic<bool> failing{true};
  std::atomic<int> largest_failed_batch{0};
  backend::sqlite_store_options options;
  options.before_flush = [&](backend::database& db, int works) {
    if (!failing.load())
      return;
    int seen = largest_failed_batch.load();
    while (works > seen && !largest_failed_batch.compare_exchange_weak(seen, works)) {
    }
    break_the_commit(db);
  };
  constexpr int threads = 16;
  constexpr int per_thread = 20;
  std::atomic<int> acknowledged{0};
  std::atomic<int> refused{0};
  {
    sqlite_store db{path, {}, options};
    auto before = db.stats();
    on_threads(threads, [&](int t) {
      for (int i = 0; i < per_thread; ++i) {
        try {
          if (i % 2 == 0) {
            backend::in_transaction(db, [&](backend::transaction& tx) {
              tx.grants().put_provider(provider(id_of(t, i)));
            });
          } else {
            db.grants().put_provider(provider(id_of(t, i)));
          }
          acknowledged.fetch_add(1);
        } catch (const backend::sqlite_error&) {
          refused.fetch_add(1);
        }
      }
    });
    CAF_CHECK_EQUAL(acknowledged.load(), 0);
    CAF_CHECK_EQUAL(refused.load(), threads * per_thread);
    // Batches of several commits failed as a whole.
    CAF_CHECK_GREATER(largest_failed_batch.load(), 1);
    auto after = db.stats();
    CAF_CHECK_EQUAL(after.transactions, before.transactions);
    CAF_CHECK_EQUAL(after.flushes, before.flushes);
    CAF_CHECK(provider_ids(db).empty());
    // The store goes on once flushes succeed again.
    failing = false;
    db.grants().put_provider(provider("after"));
    CAF_CHECK(db.grants().find_provider("after").has_value());
  }
  CAF_CHECK(!on_disk(path, id_of(0, 0)));
  sqlite_store reopened{path};
  auto ids = provider_ids(reopened);
  CAF_CHECK_EQUAL(ids.size(), 1u);
  CAF_CHECK_EQUAL(ids.count("after"), 1u);
  CAF_CHECK(!reopened.accounts().find_agent("orphan").has_value());
}

CAF_TEST(a database in memory keeps one connection and still commits) {
  sqlite_store db{":memory:"};
  on_threads(8, [&](int t) {
    for (int i = 0; i < 20; ++i)
      backend::in_transaction(db, [&](backend::transaction& tx) {
        tx.grants().put_provider(provider(id_of(t, i)));
      });
  });
  CAF_CHECK_EQUAL(provider_ids(db).size(), 160u);
  CAF_CHECK_EQUAL(db.stats().transactions, 160u);
}

CAF_TEST(an autocommit write that answers early is still committed) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  {
    sqlite_store db{path};
    db.accounts().insert_app({"app", "app", backend::now_iso8601()});
    CAF_REQUIRE(db.idempotency().claim("app", "k", "hash",
                                       backend::idempotency_state::pending, "owner"));
    // A stale pending claim is deleted, and the call answers at once.
    CAF_CHECK(
        db.idempotency().settle_stale("app", "k", "9999-01-01T00:00:00Z", 409, "{}"));
    CAF_CHECK(!db.idempotency().find("app", "k").has_value());
  }
  sqlite_store reopened{path};
  CAF_CHECK(!reopened.idempotency().find("app", "k").has_value());
}

CAF_TEST(nonces join the batches without an fsync each and are durable alone) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  constexpr int nonces = 200;
  {
    sqlite_store db{path};
    auto before = db.stats();
    for (int i = 0; i < nonces; ++i)
      CAF_CHECK(db.nonces().record("n-" + std::to_string(i), 4'000'000'000, 1));
    CAF_CHECK(!db.nonces().record("n-0", 4'000'000'000, 1));
    // One thread recording one after another: its writes share batches (a
    // batch is flushed when it is 2 ms old), they do not fsync one by one.
    auto flushes = db.stats().flushes - before.flushes;
    CAF_CHECK_LESS(flushes, static_cast<uint64_t>(nonces / 4));
    // With no writer after it, the last batch is flushed by the flusher: a
    // second connection sees every nonce while this store stays open.
    backend::database raw{path, backend::open_mode::read_only};
    int seen = 0;
    for (int attempt = 0; attempt < 500 && seen != nonces; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds{2});
      auto s = raw.prepare("SELECT count(*) FROM request_nonces");
      seen = s.step() ? static_cast<int>(s.integer(0)) : 0;
    }
    CAF_CHECK_EQUAL(seen, nonces);
  }
  sqlite_store reopened{path};
  CAF_CHECK(!reopened.nonces().record("n-199", 4'000'000'000, 1));
}

CAF_TEST(a nonce in a batch whose flush fails goes with the writes after it) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  std::atomic<bool> failing{false};
  backend::sqlite_store_options options;
  options.max_batch_age = std::chrono::seconds{5}; // the nonce waits for the write
  options.before_flush = [&](backend::database& db, int) {
    if (!failing.load())
      return;
    break_the_commit(db);
  };
  sqlite_store db{path, {}, options};
  failing = true;
  CAF_CHECK(db.nonces().record("lost", 4'000'000'000, 1));
  // The request's own write fails with its batch: nothing of the request,
  // its nonce included, was kept, and the client was told so.
  CAF_CHECK(
      refused_by_the_store([&] { db.grants().put_provider(provider("effect")); }));
  failing = false;
  CAF_CHECK(!db.grants().find_provider("effect").has_value());
  CAF_CHECK(db.nonces().record("lost", 4'000'000'000, 1));
}

CAF_TEST(
    a request whose nonce was lost alone in a failed flush cannot commit after it) {
  temp_dir dir;
  auto path = dir.path + "/alter.db";
  std::atomic<bool> failing{false};
  std::atomic<int> failed_flushes{0};
  backend::sqlite_store_options options;
  options.before_flush = [&](backend::database& db, int) {
    if (!failing.load())
      return;
    failed_flushes.fetch_add(1);
    break_the_commit(db);
  };
  sqlite_store db{path, {}, options};
  failing = true;
  CAF_CHECK(db.nonces().record("lost alone", 4'000'000'000, 1));
  // No writer follows: the flusher flushes the nonce's batch, which fails.
  for (int i = 0; i < 1000 && failed_flushes.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  auto failed = failed_flushes.load();
  CAF_REQUIRE_EQUAL(failed, 1);
  failing = false;
  // Its rate count comes after, in a new batch that succeeds: that does not
  // make the lost nonce durable.
  backend::rate_limit limit{"rule/agent", 100, std::chrono::seconds{60}};
  CAF_CHECK(db.rate_limits().admit({limit}, std::chrono::system_clock::now()).admitted);
  // The request's own write comes in a new batch that would succeed: it is
  // refused, since its nonce is not durable.
  CAF_CHECK(
      refused_by_the_store([&] { db.grants().put_provider(provider("effect")); }));
  CAF_CHECK(!db.grants().find_provider("effect").has_value());
  // Other writes (a later request) go on.
  db.grants().put_provider(provider("later"));
  CAF_CHECK(db.grants().find_provider("later").has_value());
}
