// The store's durable commits under concurrency: threads doing what a proxied
// call does to the store (look the Idempotency-Key up, claim it, then the audit
// row + stored answer + grant touch in one transaction) on a database file, so
// every commit is a real fsync. Reports calls/s, transactions/s and flushes
// (fsync groups) per transaction. With --nonces 1 each call also records its
// request nonce first, as authentication does, through the store's nonce
// ledger (its own connection to the same file).
//
//   alter_store_commit_bench [--db FILE] [--threads N] [--seconds S] [--nonces 0|1]
//
// Put the file on a real disk (not tmpfs): that is what group commit is for.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"

using namespace alter::backend;

namespace {

struct bench_options {
  std::string db = "store_commit_bench.db";
  int threads = 64;
  int seconds = 5;
  bool nonces = false;
};

bench_options parse(int argc, char** argv) {
  bench_options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--db")
      o.db = argv[i + 1];
    else if (flag == "--threads")
      o.threads = std::atoi(argv[i + 1]);
    else if (flag == "--seconds")
      o.seconds = std::atoi(argv[i + 1]);
    else if (flag == "--nonces")
      o.nonces = std::atoi(argv[i + 1]) != 0;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return o;
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", ".master-key"})
    std::remove((path + suffix).c_str());
}

/// One proxied call's store work: two durable commits.
void one_call(store& db, const std::string& app_id, const std::string& grant_id,
              const std::string& key) {
  const std::string owner = "bench-owner";
  if (db.idempotency().find(app_id, key))
    std::abort(); // keys are unique
  if (!db.idempotency().claim(app_id, key, "hash", idempotency_state::executing, owner))
    std::abort();
  audit_record row;
  row.created_at = now_iso8601();
  row.request_id = key;
  row.action = "proxy.execute";
  row.outcome = audit_outcome::success;
  row.app_id = app_id;
  row.grant_id = grant_id;
  row.method = "GET";
  row.url = "https://provider.example/v1/items";
  row.status_code = 200;
  in_transaction(db, [&](transaction& tx) {
    if (!write_audit(tx, row))
      throw std::runtime_error{"audit row refused"};
    tx.idempotency().complete(app_id, key, owner, 200, R"({"items":[1,2,3]})");
    tx.grants().touch(grant_id, now_iso8601());
  });
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  remove_database(o.db);
  uint64_t calls = 0;
  double elapsed = 0;
  uint64_t transactions = 0;
  uint64_t flushes = 0;
  {
    sqlite_store db{o.db};
    register_simulated_providers(db, "http://127.0.0.1:9");
    bootstrap_spec spec;
    spec.agents = 1;
    auto made = bootstrap(db, spec);
    const auto app_id = made.app_id;
    const auto grant_id = made.agents.front().grant_ids.front();
    auto before = db.stats();
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> done{0};
    std::vector<std::thread> workers;
    auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < o.threads; ++t)
      workers.emplace_back([&, t] {
        uint64_t n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          auto key = "k-" + std::to_string(t) + "-" + std::to_string(n++);
          if (o.nonces) {
            auto now = static_cast<int64_t>(std::time(nullptr));
            if (!db.nonces().record(key, now + 300, now))
              std::abort();
          }
          one_call(db, app_id, grant_id, key);
          done.fetch_add(1, std::memory_order_relaxed);
        }
      });
    std::this_thread::sleep_for(std::chrono::seconds{o.seconds});
    stop = true;
    for (auto& w : workers)
      w.join();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                  .count();
    calls = done.load();
    auto after = db.stats();
    transactions = after.transactions - before.transactions;
    flushes = after.flushes - before.flushes;
  }
  std::printf("threads %d, %.1f s, database %s%s\n", o.threads, elapsed, o.db.c_str(),
              o.nonces ? ", nonces recorded" : "");
  std::printf("calls/s %.0f\n", static_cast<double>(calls) / elapsed);
  std::printf("transactions/s %.0f (%llu transactions)\n",
              static_cast<double>(transactions) / elapsed,
              static_cast<unsigned long long>(transactions));
  std::printf("flushes/transaction %.3f (%llu flushes)\n",
              transactions ? static_cast<double>(flushes) / transactions : 0.0,
              static_cast<unsigned long long>(flushes));
  remove_database(o.db);
  return 0;
}
