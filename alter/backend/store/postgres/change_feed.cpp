#include "alter/backend/store/postgres/change_feed.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string_view>

#include "alter/backend/store/postgres/pool.hpp"
#include "alter/backend/store/process_identity.hpp"

namespace alter::backend {

namespace {

constexpr const char* channel = "alter_changes";

std::string random_instance_id() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i)
    out.push_back(hex[rd() % 16]);
  return out;
}

/// "<instance> <topic number> <id>": the payload of one notification.
bool parse(const std::string& payload, std::string& instance, change_topic& topic,
           std::string& id) {
  auto a = payload.find(' ');
  auto b = a == std::string::npos ? a : payload.find(' ', a + 1);
  if (b == std::string::npos)
    return false;
  instance = payload.substr(0, a);
  auto number = payload.substr(a + 1, b - a - 1);
  if (number != "0")
    return false; // a topic this version does not know
  topic = change_topic::approval;
  id = payload.substr(b + 1);
  return true;
}

/// Whether `conn` now holds the session lock on this process's name (until
/// the connection ends). False when another session holds it: the old session
/// of a connection that broke, not yet ended by the server, or a second store
/// of this process; the listener tries again every second.
bool hold_process_lock(PGconn* conn) {
  auto lock_class = std::to_string(process_lock_class);
  const char* params[] = {lock_class.c_str(), this_process().c_str()};
  PGresult* r
      = PQexecParams(conn, "SELECT pg_try_advisory_lock($1::int4, hashtext($2))", 2,
                     nullptr, params, nullptr, nullptr, 0);
  bool held = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
              && std::string_view{PQgetvalue(r, 0, 0)} == "t";
  if (r)
    PQclear(r);
  return held;
}

} // namespace

pg_change_feed::pg_change_feed(pg_pool& pool, std::string conninfo)
    : pool_(pool), conninfo_(std::move(conninfo)), instance_(random_instance_id()) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error("cannot make the change feed's wake-up pipe");
  listener_ = std::thread{[this] { listen(); }};
  // Serve only once other instances can see this process run (its lock), or
  // after a bound: a database that does not answer fails the first query.
  std::unique_lock<std::mutex> guard{ready_mtx_};
  ready_cv_.wait_for(guard, std::chrono::seconds{5}, [this] { return ready_; });
}

pg_change_feed::~pg_change_feed() {
  stop_ = true;
  char byte = 1;
  if (::write(wake_[1], &byte, 1) != 1) {
    // The listener also looks at stop_ at least once a second.
  }
  listener_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void pg_change_feed::publish(change_topic topic, std::string_view id) noexcept {
  local_.publish(topic, id);
  try {
    pg_lease lease{pg_scope{&pool_, nullptr, true}};
    lease.query("SELECT pg_notify($1, $2)")
        .bind(1, std::string_view{channel})
        .bind(2, instance_ + " " + std::to_string(static_cast<int>(topic)) + " "
                     + std::string{id})
        .run();
  } catch (...) {
    // Lost: other instances' waiters read the store at the end of their wait.
  }
}

change_subscription
pg_change_feed::subscribe(change_topic topic,
                          std::function<void(const std::string&)> callback) {
  return local_.subscribe(topic, std::move(callback));
}

void pg_change_feed::listen() {
  PGconn* conn = nullptr;
  bool holds_lock = false;
  while (!stop_) {
    if (!conn) {
      conn = PQconnectdb(conninfo_.c_str());
      PGresult* r = PQstatus(conn) == CONNECTION_OK
                        ? PQexec(conn, (std::string{"LISTEN "} + channel).c_str())
                        : nullptr;
      bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
      if (r)
        PQclear(r);
      if (ok) {
        holds_lock = hold_process_lock(conn);
        std::lock_guard<std::mutex> guard{ready_mtx_};
        ready_ = true;
        ready_cv_.notify_all();
      }
      if (!ok) {
        PQfinish(conn);
        conn = nullptr;
        // Try again in a second (or stop at once).
        pollfd p{wake_[0], POLLIN, 0};
        ::poll(&p, 1, 1000);
        continue;
      }
    }
    if (!holds_lock)
      holds_lock = hold_process_lock(conn);
    pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, 1000) <= 0 || stop_)
      continue;
    if (fds[0].revents == 0)
      continue;
    if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) {
      PQfinish(conn);
      conn = nullptr;
      holds_lock = false;
      continue;
    }
    while (PGnotify* n = PQnotifies(conn)) {
      std::string instance;
      change_topic topic{};
      std::string id;
      if (parse(n->extra ? n->extra : "", instance, topic, id) && instance != instance_)
        local_.publish(topic, id);
      PQfreemem(n);
    }
  }
  if (conn)
    PQfinish(conn);
}

} // namespace alter::backend
