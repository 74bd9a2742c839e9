// alter-local: the project's backend as a program.
//
//   alter-local serve [--db FILE] [--address 127.0.0.1] [--port 8443]
//                     [--provider-port 8444] [--plain] [--ca-out FILE]
//                     [--bootstrap-agents N] [--faults FILE.json]
//                     [--max-connections N] [--max-connections-per-address N]
//                     [--unauthenticated-idle-timeout SECONDS]
//                     [--upstream-idle-timeout-ms MS]
//                     [--simulated-provider-idle-timeout SECONDS]
//                     [--approver-session-minutes 60] [--insecure-dev-sign-in]
//                     [--idempotency-window-hours 24] [--provider-log FILE]
//                     [--shared-db] [--no-simulated-providers]
//                     [--worker-threads 32] [--max-credential-calls 256]
//                     [--max-admin-calls 64] [--max-page-requests 64]
//                     [--max-long-polls 1024] [--max-queue-delay-ms 50]
//                     [--max-commit-batch 128] [--sim-token-ttl 3600]
//                     [--refresh-buffer 60] [--mail-outbox DIR]
//   alter-local bootstrap --db FILE [--agents N] [--provider-url URL]
//   alter-local rules add --db FILE --app APP --name NAME --target TYPE:ID
//                         --type RULE_TYPE [--body JSON] [--disabled]
//   alter-local rules list|remove --db FILE --app APP [--id RULE]
//   alter-local approver add --db FILE --app APP --name NAME
//   alter-local providers require-scopes --db FILE --provider ID --scopes "A B"
//   alter-local users add NAME --db FILE [--password-file FILE]   (else stdin)
//   alter-local users list --db FILE
//   alter-local users remove NAME --db FILE
//   alter-local audit --db FILE --app APP [--after CURSOR] [--limit N]
//   alter-local rotate-master-key --db FILE [--new-master-key-file FILE]
//   alter-local rotate-data-key --db FILE
//
// --db (also spelled --database) is a SQLite file or a PostgreSQL database as a
// postgresql:// URL (or libpq keywords); see docs/operations.md.
//
// Every command also takes --master-key-file FILE (default FILE.master-key,
// made on first start) or the environment variable ALTER_MASTER_KEY (base64 of
// 32 bytes): the key the database's secrets are encrypted under. A PostgreSQL
// database needs one of them: there is no file next to it, and every instance
// sharing it must use the same key.
//
// Plaintext keys are printed once, when they are made; the store keeps hashes.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <utility>

#include <limits>

#include <semaphore.h>
#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "alter/backend/bootstrap.hpp"
#include "alter/backend/encryption/key_rotation.hpp"
#include "alter/backend/identity/local_users.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/backend/oauth/token_endpoint.hpp"
#include "alter/backend/policy/rule_validation.hpp"
#include "alter/backend/sim/provider_simulator.hpp"
#include "alter/backend/store/open_store.hpp"
#include "tools/cli/command_line.hpp"

namespace {

using alter::backend::bootstrap_result;

/// A usage error found after parsing (a value out of range, a missing flag).
int usage(const char* why) {
  std::cerr << "alter-local: " << why << "\nRun with --help for more.\n";
  return 2;
}

/// Offline commands work on a database that exists: a misspelt path is an
/// error, not a new empty database. (A postgresql:// URL is the server's to
/// say.)
bool existing_database(std::map<std::string, std::string>& flags, std::string& why) {
  const auto& db = flags["--db"];
  if (db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0
      || std::ifstream{db}.good())
    return true;
  why = "no database at " + db + " (serve or bootstrap makes one)";
  return false;
}

bool to_int(const std::string& text, long min, long max, long& out) {
  char* end = nullptr;
  out = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && out >= min && out <= max;
}

void print_keys(const bootstrap_result& r) {
  std::cout << "app " << r.app_id << "\n  key: " << r.app_key << "\n";
  for (const auto& g : r.system_grant_ids)
    std::cout << "  grant: " << g << "\n";
  for (const auto& a : r.agents) {
    std::cout << "agent " << a.name << " " << a.id << "\n  key: " << a.api_key << "\n";
    for (const auto& g : a.grant_ids)
      std::cout << "  grant: " << g << "\n";
  }
  if (!r.approver_token.empty())
    std::cout << "approver (for the approval page)\n  token: " << r.approver_token
              << "\n";
  std::cout << "(keys and tokens are shown once; the backend stores only their "
               "hashes)\n";
}

/// --master-key-file, else ALTER_MASTER_KEY, else the file next to the database.
alter::backend::master_key_options
key_options(std::map<std::string, std::string>& flags) {
  alter::backend::master_key_options out;
  if (flags.count("--master-key-file"))
    out.file = flags["--master-key-file"];
  else if (const char* env = std::getenv("ALTER_MASTER_KEY"))
    out.base64 = env;
  return out;
}

sem_t stop_signal;

int serve(std::map<std::string, std::string>& flags) {
  alter::backend::backend_options opts;
  opts.database_path = flags.count("--db") ? flags["--db"] : "alter-local.db";
  if (flags.count("--address"))
    opts.address = flags["--address"];
  long port = 8443;
  long provider_port = 8444;
  long agents = 0;
  if ((flags.count("--port") && !to_int(flags["--port"], 0, 65535, port))
      || (flags.count("--provider-port")
          && !to_int(flags["--provider-port"], 0, 65535, provider_port)))
    return usage("ports must be numbers from 0 to 65535");
  if (flags.count("--bootstrap-agents")
      && !to_int(flags["--bootstrap-agents"], 0, 1000000, agents))
    return usage("--bootstrap-agents must be a number from 0 to 1000000");
  opts.port = static_cast<uint16_t>(port);
  opts.provider_port = static_cast<uint16_t>(provider_port);
  opts.tls = flags.count("--plain") == 0;
  long max_connections = static_cast<long>(opts.limits.max_connections);
  long per_address = static_cast<long>(opts.limits.max_connections_per_address);
  long unauthenticated_idle = opts.limits.unauthenticated_idle_timeout.count();
  if ((flags.count("--max-connections")
       && !to_int(flags["--max-connections"], 1, 1000000, max_connections))
      || (flags.count("--max-connections-per-address")
          && !to_int(flags["--max-connections-per-address"], 1, 1000000, per_address)))
    return usage("connection caps must be numbers from 1 to 1000000");
  if (flags.count("--unauthenticated-idle-timeout")
      && !to_int(flags["--unauthenticated-idle-timeout"], 1, 3600,
                 unauthenticated_idle))
    return usage("--unauthenticated-idle-timeout must be 1 to 3600 seconds");
  opts.limits.max_connections = static_cast<std::size_t>(max_connections);
  opts.limits.max_connections_per_address = static_cast<std::size_t>(per_address);
  opts.limits.unauthenticated_idle_timeout = std::chrono::seconds{unauthenticated_idle};
  long workers = static_cast<long>(opts.worker_threads);
  if (flags.count("--worker-threads")
      && !to_int(flags["--worker-threads"], 1, 1024, workers))
    return usage("--worker-threads must be a number from 1 to 1024");
  opts.worker_threads = static_cast<std::size_t>(workers);
  // In flight per request class; beyond: 503 with Retry-After.
  for (auto [flag, bound] :
       {std::pair{"--max-credential-calls", &opts.admission.credential},
        std::pair{"--max-admin-calls", &opts.admission.admin},
        std::pair{"--max-page-requests", &opts.admission.page},
        std::pair{"--max-long-polls", &opts.admission.long_poll}}) {
    long n = static_cast<long>(*bound);
    if (flags.count(flag) && !to_int(flags[flag], 1, 1000000, n))
      return usage((std::string{flag} + " must be a number from 1 to 1000000").c_str());
    *bound = static_cast<std::size_t>(n);
  }
  // SQLite: transactions per fsync at most (1: group commit off, a baseline).
  long commit_batch = opts.commits.max_commit_batch;
  if (flags.count("--max-commit-batch")
      && !to_int(flags["--max-commit-batch"], 1, 100000, commit_batch))
    return usage("--max-commit-batch must be a number from 1 to 100000");
  opts.commits.max_commit_batch = static_cast<int>(commit_batch);
  // The workers' queue delay beyond which new requests are refused (0: never).
  long queue_delay_ms = static_cast<long>(opts.admission.max_queue_delay.count());
  if (flags.count("--max-queue-delay-ms")
      && !to_int(flags["--max-queue-delay-ms"], 0, 60000, queue_delay_ms))
    return usage("--max-queue-delay-ms must be 0 (never) to 60000 milliseconds");
  opts.admission.max_queue_delay = std::chrono::milliseconds{queue_delay_ms};
  long upstream_idle_ms = static_cast<long>(opts.upstream_idle_timeout.count());
  if (flags.count("--upstream-idle-timeout-ms")
      && !to_int(flags["--upstream-idle-timeout-ms"], 1, 3600 * 1000, upstream_idle_ms))
    return usage("--upstream-idle-timeout-ms must be 1 to 3600000 milliseconds");
  opts.upstream_idle_timeout = std::chrono::milliseconds{upstream_idle_ms};
  if (flags.count("--simulated-provider-idle-timeout")) {
    long provider_idle = 0;
    if (!to_int(flags["--simulated-provider-idle-timeout"], 1, 3600, provider_idle))
      return usage("--simulated-provider-idle-timeout must be 1 to 3600 seconds");
    opts.simulated_provider_idle_timeout = std::chrono::seconds{provider_idle};
  }
  long session_minutes = 60;
  if (flags.count("--approver-session-minutes")
      && !to_int(flags["--approver-session-minutes"], 1, 24 * 60, session_minutes))
    return usage("--approver-session-minutes must be a number from 1 to 1440");
  opts.approver_session_ttl = std::chrono::minutes{session_minutes};
  long window_hours = 24;
  if (flags.count("--idempotency-window-hours")
      && !to_int(flags["--idempotency-window-hours"], 1, 24 * 30, window_hours))
    return usage("--idempotency-window-hours must be a number from 1 to 720");
  opts.idempotency_window = std::chrono::hours{window_hours};
  if (flags.count("--provider-log"))
    opts.provider_log_path = flags["--provider-log"];
  if (flags.count("--mail-outbox"))
    opts.mail_outbox = flags["--mail-outbox"];
  if (flags.count("--request-log"))
    opts.request_log_path = flags["--request-log"];
  if (flags.count("--log-level")
      && !alter::backend::from_string(flags["--log-level"], opts.request_log_level))
    return usage("--log-level must be debug, info, warning or error");
  long token_ttl = 3600;
  if (flags.count("--sim-token-ttl")
      && !to_int(flags["--sim-token-ttl"], 1, 24 * 3600, token_ttl))
    return usage("--sim-token-ttl must be 1 to 86400 seconds");
  opts.simulated_token_ttl = std::chrono::seconds{token_ttl};
  long buffer = 60;
  if (flags.count("--refresh-buffer")
      && !to_int(flags["--refresh-buffer"], 0, 3600, buffer))
    return usage("--refresh-buffer must be 0 to 3600 seconds");
  opts.refresh.buffer = std::chrono::seconds{buffer};
  opts.insecure_dev_sign_in = flags.count("--insecure-dev-sign-in") != 0;
  // A second instance on a shared database uses the first one's simulated
  // providers: the store names one URL per provider.
  opts.simulated_providers = flags.count("--no-simulated-providers") == 0;
  // Other alter-local processes serve the same database file at the same time.
  opts.shared_database = flags.count("--shared-db") != 0;
  if (opts.insecure_dev_sign_in)
    std::cerr << "alter-local: WARNING: --insecure-dev-sign-in: the sign-in page "
                 "gives a user token for any typed name, without a password. For "
                 "development only.\n";
  opts.master_key = key_options(flags);
  if (flags.count("--faults")) {
    std::ifstream in{flags["--faults"]};
    if (!in)
      return usage(("cannot read " + flags["--faults"]).c_str());
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    opts.faults = alter::backend::fault_injector::parse_rules(text);
  }
  alter::backend::local_backend backend{opts};
  std::cout << "alter-local: API on " << backend.base_url() << ", providers on "
            << backend.provider_base_url() << ", state in "
            << alter::backend::describe_database(opts.database_path) << "\n";
  if (opts.tls) {
    // A PostgreSQL database has no file to put the certificate next to.
    auto ca_out = flags.count("--ca-out") ? flags["--ca-out"]
                  : alter::backend::is_postgres_database(opts.database_path)
                      ? std::string{"alter-local.ca.pem"}
                      : opts.database_path + ".ca.pem";
    std::ofstream{ca_out} << backend.certificate_pem();
    std::cout << "alter-local: clients must trust " << ca_out << "\n";
  }
  if (agents > 0) {
    alter::backend::bootstrap_spec spec;
    spec.agents = static_cast<int>(agents);
    print_keys(alter::backend::bootstrap(backend.db(), spec));
  }
  std::cout.flush();
  sem_init(&stop_signal, 0, 0);
  auto on_signal = [](int) { sem_post(&stop_signal); };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (sem_wait(&stop_signal) != 0) {
  }
  std::cout << "alter-local: stopping\n";
  return 0;
}

int offline_bootstrap(std::map<std::string, std::string>& flags) {
  if (!flags.count("--db"))
    return usage("bootstrap needs --db FILE");
  long agents = 3;
  if (flags.count("--agents") && !to_int(flags["--agents"], 0, 1000000, agents))
    return usage("--agents must be a number from 0 to 1000000");
  auto provider_url = flags.count("--provider-url") ? flags["--provider-url"]
                                                    : "https://127.0.0.1:8444";
  auto opened = alter::backend::open_store(flags["--db"], key_options(flags));
  auto& db = *opened;
  // Register the simulated providers at the URL the server will serve them on.
  alter::backend::register_simulated_providers(db, provider_url);
  alter::backend::bootstrap_spec spec;
  spec.agents = static_cast<int>(agents);
  print_keys(alter::backend::bootstrap(db, spec));
  return 0;
}

/// --db and --app, both required by the offline management commands.
bool db_and_app(std::map<std::string, std::string>& flags, std::string& why) {
  if (!flags.count("--db") || !flags.count("--app")) {
    why = "this command needs --db FILE and --app APP_ID";
    return false;
  }
  return true;
}

void print_rule(const alter::backend::rule_record& r) {
  std::cout << "{\"id\":\"" << r.id
            << "\",\"name\":" << boost::json::serialize(boost::json::value(r.name))
            << ",\"target\":{\"type\":\"" << r.target_type << "\",\"id\":\""
            << r.target_id << "\"},\"rule_type\":\"" << r.rule_type
            << "\",\"rule_body\":" << r.rule_body_json
            << ",\"enabled\":" << (r.enabled ? "true" : "false") << "}\n";
}

int rules(const std::string& action, std::map<std::string, std::string>& flags) {
  std::string why;
  if (!db_and_app(flags, why))
    return usage(why.c_str());
  auto opened = alter::backend::open_store(flags["--db"], key_options(flags));
  auto& db = *opened;
  const auto& app = flags["--app"];
  if (action == "list") {
    for (const auto& r : db.rules().list(app))
      print_rule(r);
    return 0;
  }
  if (action == "remove") {
    if (!flags.count("--id"))
      return usage("rules remove needs --id RULE");
    if (!db.rules().remove(app, flags["--id"])) {
      std::cerr << "alter-local: no rule " << flags["--id"] << " in app " << app
                << "\n";
      return 1;
    }
    return 0;
  }
  if (action != "add")
    return usage("rules takes add, list or remove");
  alter::backend::rule_record r;
  r.id = alter::backend::new_rule_id();
  r.app_id = app;
  r.name = flags["--name"];
  auto target = flags["--target"];
  auto colon = target.find(':');
  if (colon == std::string::npos)
    return usage("--target must be TYPE:ID, e.g. agent:<uuid> or app:<uuid>");
  r.target_type = target.substr(0, colon);
  r.target_id = target.substr(colon + 1);
  r.rule_type = flags["--type"];
  r.rule_body_json = flags.count("--body") ? flags["--body"] : "{}";
  r.enabled = flags.count("--disabled") == 0;
  if (auto parsed = alter::backend::check_rule(db, r); !parsed) {
    std::cerr << "alter-local: " << alter::from_caf_error(parsed.error()).message
              << "\n";
    return 1;
  }
  r.created_at = alter::backend::now_iso8601();
  db.rules().insert(r);
  print_rule(r);
  return 0;
}

int approver(const std::string& action, std::map<std::string, std::string>& flags) {
  std::string why;
  if (!db_and_app(flags, why))
    return usage(why.c_str());
  if (action != "add" || !flags.count("--name"))
    return usage("approver add needs --name NAME");
  auto opened = alter::backend::open_store(flags["--db"], key_options(flags));
  auto& db = *opened;
  std::cout << "approver " << flags["--name"] << "\n  token: "
            << alter::backend::add_approver(db, flags["--app"], flags["--name"])
            << "\n(shown once; the backend stores only its hash)\n";
  return 0;
}

/// Scopes every grant of a provider must hold from now on: grants given fewer
/// read as scope_mismatch, and their provider's 403 as scope_reauth_required.
int providers(const std::string& action, std::map<std::string, std::string>& flags) {
  if (action != "require-scopes" || !flags.count("--db") || !flags.count("--provider")
      || !flags.count("--scopes"))
    return usage("providers require-scopes needs --db, --provider and --scopes");
  auto opened = alter::backend::open_store(flags["--db"], key_options(flags));
  auto provider = opened->grants().find_provider(flags["--provider"]);
  if (!provider) {
    std::cerr << "alter-local: no provider " << flags["--provider"] << "\n";
    return 1;
  }
  provider->required_scopes = alter::backend::split_scopes(flags["--scopes"]);
  for (const auto& scope : provider->required_scopes)
    if (scope.size() > 64
        || scope.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789_.:-/")
               != std::string::npos)
      return usage("a scope is 1 to 64 letters, digits and _ . : - /");
  opened->grants().put_provider(*provider);
  std::cout << "provider " << provider->id << " requires:";
  for (const auto& scope : provider->required_scopes)
    std::cout << " " << scope;
  std::cout << "\n";
  return 0;
}

/// A password from `--password-file` (its first line) or stdin, not echoed
/// when stdin is a terminal.
bool read_password(std::map<std::string, std::string>& flags, std::string& out) {
  if (flags.count("--password-file")) {
    std::ifstream in{flags["--password-file"]};
    if (!in)
      return false;
    std::getline(in, out);
  } else {
    termios saved{};
    bool terminal
        = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
      std::cerr << "password: " << std::flush;
      auto quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(std::cin, out);
    if (terminal) {
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
      std::cerr << "\n";
    }
  }
  if (!out.empty() && out.back() == '\r')
    out.pop_back();
  return true;
}

int users(const std::string& action, const std::string& name,
          std::map<std::string, std::string>& flags) {
  if (!flags.count("--db"))
    return usage("users needs --db FILE");
  auto opened = alter::backend::open_store(flags["--db"], key_options(flags));
  auto& db = *opened;
  if (action == "list") {
    for (const auto& n : alter::backend::list_local_users(db))
      std::cout << n << "\n";
    return 0;
  }
  if (name.empty())
    return usage(("users " + action + " needs a user name").c_str());
  if (action == "remove") {
    if (!alter::backend::remove_local_user(db, name)) {
      std::cerr << "alter-local: no user " << name << "\n";
      return 1;
    }
    return 0;
  }
  if (action != "add")
    return usage("users takes add, list or remove");
  std::string password;
  if (!read_password(flags, password))
    return usage(("cannot read " + flags["--password-file"]).c_str());
  try {
    alter::backend::set_local_user_password(db, name, password);
  } catch (const std::invalid_argument& e) {
    std::cerr << "alter-local: " << e.what() << "\n";
    return 1;
  }
  std::cout << "user " << name << " (password stored as a scrypt hash)\n";
  return 0;
}

int audit(std::map<std::string, std::string>& flags) {
  std::string why;
  if (!db_and_app(flags, why))
    return usage(why.c_str());
  long limit = 100;
  if (flags.count("--limit") && !to_int(flags["--limit"], 1, 100000, limit))
    return usage("--limit must be a number from 1 to 100000");
  auto after = flags["--after"];
  auto hash = after.find('#');
  long sequence = 0;
  if (hash != std::string::npos
      && !to_int(after.substr(hash + 1), 0, std::numeric_limits<long>::max(), sequence))
    return usage("--after must be a cursor (created_at#sequence) or a created_at");
  auto opened = alter::backend::open_store(flags["--db"], key_options(flags));
  auto& db = *opened;
  auto rows = db.audit().page(flags["--app"], after.substr(0, hash), sequence, limit);
  for (const auto& r : rows) {
    boost::json::object o{{"created_at", r.created_at},
                          {"action", r.action},
                          {"outcome", to_string(r.outcome)},
                          {"agent_id", r.agent_id},
                          {"grant_id", r.grant_id},
                          {"provider_id", r.provider_id},
                          {"method", r.method},
                          {"url", r.url},
                          {"status_code", r.status_code},
                          {"error_code", r.error_code},
                          {"reason", r.reason},
                          {"approval_id", r.approval_id},
                          {"decided_by", r.decided_by},
                          {"request_id", r.request_id},
                          {"cursor", r.created_at + "#" + std::to_string(r.sequence)}};
    std::cout << boost::json::serialize(o) << "\n";
  }
  return 0;
}

/// rotate-master-key and rotate-data-key.
int rotate(const std::string& command, std::map<std::string, std::string>& flags) {
  if (!flags.count("--db"))
    return usage((command + " needs --db FILE").c_str());
  auto key = key_options(flags);
  if (command == "rotate-data-key") {
    auto id = alter::backend::rotate_data_key(flags["--db"], key);
    std::cout << "alter-local: every secret of " << flags["--db"]
              << " is re-encrypted under data key " << id << "\n";
    return 0;
  }
  auto file = alter::backend::rotate_master_key(flags["--db"], key,
                                                flags["--new-master-key-file"]);
  std::cout << "alter-local: the data keys of " << flags["--db"]
            << " are sealed under a new master key, in " << file
            << "; the old key no longer opens the database\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  using namespace alter::tools;
  auto app = program(
      "alter-local",
      "alter-local: the project's backend as a program (wire protocol v1, SQLite "
      "or PostgreSQL). Every command takes --master-key-file FILE (default: the "
      "database path + .master-key, made on first start) or ALTER_MASTER_KEY "
      "(base64).");
  flag_map flags;
  std::string user_name;
  auto db_flag = [&](CLI::App* cmd, const char* help) {
    return value_flag(*cmd, flags, "--db,--database", help);
  };
  auto common = [&](CLI::App* cmd) {
    value_flag(*cmd, flags, "--master-key-file",
               "The master key's file (else ALTER_MASTER_KEY, else <db>.master-key)");
    return cmd;
  };
  auto* serve_cmd = common(app->add_subcommand("serve", "Run the backend"));
  db_flag(serve_cmd, "A SQLite file (alter-local.db) or a postgresql:// URL");
  for (const auto& [names, help] :
       std::initializer_list<std::pair<const char*, const char*>>{
           {"--address", "Listen address (127.0.0.1)"},
           {"--port", "API port (8443; 0 picks one)"},
           {"--provider-port", "Simulated providers' port (8444)"},
           {"--ca-out", "Where to write the CA file clients trust (<db>.ca.pem)"},
           {"--bootstrap-agents", "Bootstrap an app with N agents on a new database"},
           {"--faults", "Faults to inject, a JSON file"},
           {"--max-connections", "Connections at most"},
           {"--max-connections-per-address", "Connections per client address"},
           {"--unauthenticated-idle-timeout",
            "Seconds before an unproven connection closes"},
           {"--upstream-idle-timeout-ms", "Idle provider connections close after this"},
           {"--simulated-provider-idle-timeout", "Seconds"},
           {"--approver-session-minutes", "Approver sessions, 1 to 1440 (60)"},
           {"--idempotency-window-hours", "Stored answers, 1 to 720 (24)"},
           {"--provider-log", "The simulated providers' execution log"},
           {"--worker-threads", "Request workers (32)"},
           {"--max-credential-calls", "Credential calls in flight (beyond: 503)"},
           {"--max-admin-calls", "Admin calls in flight"},
           {"--max-page-requests", "Page requests in flight"},
           {"--max-long-polls", "Approval long-polls in flight"},
           {"--max-queue-delay-ms", "Refuse new work past this queue delay (0: never)"},
           {"--max-commit-batch", "SQLite transactions per fsync (1: no group commit)"},
           {"--sim-token-ttl", "Seconds the simulated OAuth tokens live"},
           {"--refresh-buffer", "Refresh OAuth tokens this many seconds early"},
           {"--mail-outbox", "A maildir for approvals' email notifications"},
           {"--request-log", "One JSON line per request: a FILE, or - for stderr"},
           {"--log-level", "debug, info (every request), warning (4xx, 5xx) or error"}})
    value_flag(*serve_cmd, flags, names, help);
  switch_flag(*serve_cmd, flags, "--plain", "Plain HTTP instead of HTTPS");
  switch_flag(*serve_cmd, flags, "--insecure-dev-sign-in",
              "DEVELOPMENT ONLY: sign in as any typed user, without a password");
  switch_flag(*serve_cmd, flags, "--shared-db",
              "Other live instances use this SQLite file");
  switch_flag(*serve_cmd, flags, "--no-simulated-providers",
              "Serve no simulated providers");
  auto* boot
      = common(app->add_subcommand("bootstrap", "Make an app, agents and grants"));
  db_flag(boot, "The database")->required();
  value_flag(*boot, flags, "--agents", "Agents, 0 to 1000000");
  value_flag(*boot, flags, "--provider-url", "The simulated providers' root URL");
  auto app_flags = [&](CLI::App* cmd) {
    db_flag(cmd, "The database")->required();
    value_flag(*cmd, flags, "--app", "The app")->required();
    return common(cmd);
  };
  auto* rules_cmd = app->add_subcommand("rules", "Policy rules of an app");
  auto* rules_add = app_flags(rules_cmd->add_subcommand("add", "Add a rule"));
  value_flag(*rules_add, flags, "--name", "The rule's name")->required();
  value_flag(*rules_add, flags, "--target", "TYPE:ID (app, agent, grant, provider)")
      ->required();
  value_flag(*rules_add, flags, "--type",
             "json_match, require_approval, ip_allowlist, time_window, rate_limit, "
             "parameter")
      ->required();
  value_flag(*rules_add, flags, "--body", "The rule body, JSON ({})");
  switch_flag(*rules_add, flags, "--disabled", "Stored, not enforced");
  app_flags(rules_cmd->add_subcommand("list", "List the app's rules"));
  auto* rules_remove = app_flags(rules_cmd->add_subcommand("remove", "Remove a rule"));
  value_flag(*rules_remove, flags, "--id", "The rule")->required();
  auto* approver_cmd = app->add_subcommand("approver", "Approvers of an app");
  auto* approver_add = app_flags(approver_cmd->add_subcommand(
      "add", "Add an approver; prints the approver token once"));
  value_flag(*approver_add, flags, "--name",
             "The name rules list it by (an email address gets email)")
      ->required();
  auto* providers_cmd = app->add_subcommand("providers", "Provider settings");
  auto* scopes = common(providers_cmd->add_subcommand(
      "require-scopes", "The scopes a provider's OAuth grants must hold"));
  db_flag(scopes, "The database")->required();
  value_flag(*scopes, flags, "--provider", "The provider")->required();
  value_flag(*scopes, flags, "--scopes", "\"A B ...\"")->required();
  auto* users_cmd
      = app->add_subcommand("users", "Users of the local identity provider");
  auto* users_add = common(users_cmd->add_subcommand(
      "add", "Add a user; the password from --password-file or stdin"));
  users_add->add_option("name", user_name, "The user name")->required();
  db_flag(users_add, "The database")->required();
  value_flag(*users_add, flags, "--password-file", "A file holding the password");
  db_flag(common(users_cmd->add_subcommand("list", "List the users")), "The database")
      ->required();
  auto* users_remove = common(users_cmd->add_subcommand("remove", "Remove a user"));
  users_remove->add_option("name", user_name, "The user name")->required();
  db_flag(users_remove, "The database")->required();
  auto* audit_cmd = app_flags(app->add_subcommand("audit", "An app's audit trail"));
  value_flag(*audit_cmd, flags, "--after", "A next_cursor or created_at");
  value_flag(*audit_cmd, flags, "--limit", "Rows, 1 to 100000");
  auto* rotate_master = common(app->add_subcommand(
      "rotate-master-key", "Seal the data keys under a new master key"));
  db_flag(rotate_master, "The database")->required();
  value_flag(*rotate_master, flags, "--new-master-key-file", "Where the new key goes");
  db_flag(common(app->add_subcommand("rotate-data-key",
                                     "Re-encrypt every secret under a new data key")),
          "The database")
      ->required();
  if (auto code = parse(*app, argc, argv))
    return *code;
  const auto* chosen = app->get_subcommands().front();
  auto command = chosen->get_name();
  auto action = chosen->get_subcommands().empty()
                    ? std::string{}
                    : chosen->get_subcommands().front()->get_name();
  try {
    std::string why;
    bool offline = command != "serve" && command != "bootstrap";
    if (offline && !existing_database(flags, why))
      return usage(why.c_str());
    if (command == "serve")
      return serve(flags);
    if (command == "bootstrap")
      return offline_bootstrap(flags);
    if (command == "rules")
      return rules(action, flags);
    if (command == "approver")
      return approver(action, flags);
    if (command == "providers")
      return providers(action, flags);
    if (command == "audit")
      return audit(flags);
    if (command == "users")
      return users(action, user_name, flags);
    return rotate(command, flags);
  } catch (const std::exception& e) {
    std::cerr << "alter-local: " << e.what() << "\n";
    return 1;
  }
}
