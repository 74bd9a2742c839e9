#include "postgres_server.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace alter::testing {

namespace {

constexpr const char* bin_dir = "/usr/lib/postgresql/15/bin";

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

class test_server {
public:
  test_server() {
    char pattern[] = "/tmp/alter-pg-XXXXXX";
    if (!::mkdtemp(pattern))
      throw std::runtime_error("cannot make a directory for the test PostgreSQL");
    dir_ = pattern;
    // Whose server this is: the cleanup stops it once this process is gone.
    std::ofstream{dir_ + "/owner.pid"} << ::getpid() << "\n";
    // The server refuses to run as root: as root, it runs as `postgres`.
    if (::geteuid() == 0) {
      as_user_ = "runuser -u postgres -- ";
      run("chown postgres " + quoted(dir_));
    }
    run(as_user_ + bin_dir + "/initdb -D " + quoted(dir_ + "/data")
        + " -U postgres -A trust -E UTF8 --no-sync --no-instructions > "
        + quoted(dir_ + "/initdb.log") + " 2>&1");
    started_ = true;
    run(as_user_ + bin_dir + "/pg_ctl -D " + quoted(dir_ + "/data") + " -l "
        + quoted(dir_ + "/server.log") + " -w -t 60 -o \"-c listen_addresses='' "
        + "-c unix_socket_directories='" + dir_ + "' -c fsync=off "
        + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" "
        + "start > /dev/null");
  }

  ~test_server() {
    if (started_) {
      std::string cmd = as_user_ + bin_dir + "/pg_ctl -D " + quoted(dir_ + "/data")
                        + " -m immediate -w stop > /dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) {
        // Nothing more to do from a destructor: the ctest cleanup kills strays.
      }
    }
    std::string rm = "rm -rf " + quoted(dir_);
    if (std::system(rm.c_str()) != 0) {
    }
  }

  std::string url(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir_ + "&user=postgres";
  }

  std::string fresh() {
    auto name = "alter_" + std::to_string(::getpid()) + "_" + std::to_string(++count_);
    postgres_exec(url("postgres"), "CREATE DATABASE " + name);
    return url(name);
  }

private:
  static void run(const std::string& cmd) {
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("the test PostgreSQL failed: " + cmd);
  }

  std::string dir_;
  std::string as_user_;
  bool started_ = false;
  std::atomic<int> count_{0};
};

test_server& server() {
  // Destroyed at exit, after main: the server stops with the test process.
  static test_server instance;
  return instance;
}

} // namespace

std::string fresh_postgres_database() {
  return server().fresh();
}

std::string postgres_admin_url() {
  return server().url("postgres");
}

std::string postgres_exec(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c{PQconnectdb(url.c_str()), PQfinish};
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string{"cannot connect: "} + PQerrorMessage(c.get()));
  std::unique_ptr<PGresult, decltype(&PQclear)> r{PQexec(c.get(), sql.c_str()),
                                                  PQclear};
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error(PQresultErrorMessage(r.get()));
  if (status == PGRES_TUPLES_OK && PQntuples(r.get()) > 0 && PQnfields(r.get()) > 0)
    return PQgetvalue(r.get(), 0, 0);
  return {};
}

} // namespace alter::testing
