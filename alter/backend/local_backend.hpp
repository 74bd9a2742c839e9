// The project's own implementation of wire protocol v1, started in-process (tests,
// the swarm, embedding hosts) or by the alter-local program: the API server, the
// simulated providers, the SQLite store.
//
//   alter::backend::local_backend backend{{.database_path = "alter.db"}};
//   auto keys = alter::backend::bootstrap(backend, {.agents = 3});
//   // clients: base_url = backend.base_url(), tls.ca_pem = backend.certificate_pem()
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "alter/backend/api/admission.hpp"
#include "alter/backend/api/request_log.hpp"
#include "alter/backend/api/router.hpp"
#include "alter/backend/encryption/master_key.hpp"
#include "alter/backend/http/http_server.hpp"
#include "alter/backend/oauth/refresh_sweep.hpp"
#include "alter/backend/oauth/token_refresher.hpp"
#include "alter/backend/sim/fault_injector.hpp"
#include "alter/backend/sim/provider_simulator.hpp"
#include "alter/backend/store/open_store.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

class identity_provider;
class request_executor;
class rule_book;

struct backend_options {
  /// A SQLite file; ":memory:" keeps everything in memory.
  std::string database_path = ":memory:";
  /// Other live instances use the same database file (alter-local serve
  /// --shared-db): what the store cannot tell by itself for SQLite. Then a
  /// start leaves the unfinished work of other owners alone until it is
  /// provably abandoned (docs/resilience.md). A server database (PostgreSQL)
  /// counts as shared whatever this says.
  bool shared_database = false;
  /// How the store commits (open_store.hpp): alter-local serve
  /// --max-commit-batch.
  store_tuning commits;
  /// The master key of its encryption at rest; by default "<database>.master-key",
  /// made on first start (a key kept nowhere for ":memory:").
  master_key_options master_key;
  /// Loopback by default; the backend is not meant to face a network.
  std::string address = "127.0.0.1";
  /// 0 picks a free port.
  uint16_t port = 0;
  uint16_t provider_port = 0;
  /// HTTPS with a self-signed certificate made at start; false for plain HTTP.
  bool tls = true;
  std::size_t io_threads = 2;
  /// The worker ("database") threads that run every request's middleware and
  /// handler and the continuations that use the store (request_executor.hpp):
  /// enough that many commits can wait in one batch while the rest run.
  std::size_t worker_threads = 32;
  /// Requests admitted and not yet answered, per class; beyond: 503
  /// service_unavailable with Retry-After (admission.hpp).
  admission_limits admission;
  server_limits limits;
  /// Proxied upstream bodies above this are cut and flagged body_truncated.
  std::size_t max_proxy_body = 1024 * 1024;
  /// A kept-alive provider connection idle longer than this is closed, never
  /// reused: below the keep-alive limit of common servers (5 s for Node.js and
  /// Apache), so the backend, not the provider, ends idle connections.
  std::chrono::milliseconds upstream_idle_timeout{4000};
  /// Serve the simulated providers (and register them in the store).
  bool simulated_providers = true;
  /// How long the simulated providers keep an idle connection open; unset: the
  /// API server's `limits.idle_timeout` (120 s). Tests shorten it to make the
  /// provider close connections the backend holds.
  std::optional<std::chrono::seconds> simulated_provider_idle_timeout;
  /// How long a held call waits for a human before it expires.
  std::chrono::seconds approval_ttl{15 * 60};
  /// The structured request log (api/request_log.hpp): a file, "-" for
  /// standard error, empty for none (alter-local serve --request-log), and
  /// the least level written (--log-level).
  std::string request_log_path;
  log_level request_log_level = log_level::info;
  /// The maildir where approvals' email notifications are written (made when
  /// missing; alter-local serve --mail-outbox). Empty: no email is sent.
  std::string mail_outbox;
  /// How long an approver stays signed in on the approval page (the cookie's
  /// Max-Age and the session's expiry in the store).
  std::chrono::seconds approver_session_ttl{60 * 60};
  /// DEVELOPMENT ONLY: the local identity provider's sign-in page takes any
  /// typed user name without a password (alter-local --insecure-dev-sign-in).
  /// Off: users sign in with the password an operator set (local_users.hpp).
  bool insecure_dev_sign_in = false;
  /// How long answers stay stored under their Idempotency-Keys: a retry within
  /// the window replays, the same key after it is a new request.
  std::chrono::seconds idempotency_window{24 * 60 * 60};
  /// When set, the simulated providers append one line per request they
  /// execute ("METHOD PATH") to this file before answering: an execution log
  /// that survives a crash of the backend (tests count duplicates with it).
  std::string provider_log_path;
  /// The longest an approval status long-poll is held.
  std::chrono::seconds max_long_poll{30};
  /// Unix seconds; tests may move the backend's clock.
  std::function<int64_t()> clock;
  /// Faults injected into the API server from the start (see fault_injector).
  std::vector<fault_rule> faults;
  /// Seed of the fault draws; 0 seeds from the operating system.
  uint64_t fault_seed = 0;
  /// OAuth grants: the refresh buffer, lease and waits (token_refresher.hpp)
  /// and the sweep of tokens no call uses (refresh_sweep.hpp).
  refresh_options refresh;
  sweep_options sweep;
  /// The lifetime of access tokens the simulated OAuth providers issue
  /// (alter-local serve --sim-token-ttl).
  std::chrono::seconds simulated_token_ttl{3600};
  /// What the operator should know about, one line each (a stored rule that
  /// does not parse); standard error when empty.
  std::function<void(const std::string&)> log_warning;
};

class local_backend {
public:
  /// Opens the store, binds both servers and starts serving. Throws on failure.
  explicit local_backend(backend_options options = {});
  ~local_backend();

  local_backend(const local_backend&) = delete;
  local_backend& operator=(const local_backend&) = delete;

  /// What the API server does with each request it has read; callable directly
  /// (the fuzzer does), answers through `respond`, possibly from another thread.
  void handle(server_request req, responder respond);

  /// Every route the API server serves (method, pattern, group, scope...).
  const std::vector<route>& route_table() const noexcept;

  /// "https://127.0.0.1:PORT": what clients use as base_url.
  const std::string& base_url() const noexcept;

  /// The simulated providers' root, e.g. "https://127.0.0.1:PORT".
  const std::string& provider_base_url() const noexcept;

  /// The self-signed certificate (PEM) clients must trust; empty without TLS.
  const std::string& certificate_pem() const noexcept;

  store& db() noexcept;

  /// The local identity provider (issues and verifies end-user JWTs).
  identity_provider& identity() noexcept;

  /// The API server's fault injection; rules may change while it serves.
  fault_injector& faults() noexcept;

  /// How often the simulated providers executed each request path.
  provider_hits& hits() noexcept;
  /// What GET /metrics answers now (the Prometheus text format).
  std::string metrics_text();
  /// The simulated OAuth providers' authorization server (null without
  /// simulated providers).
  oauth_authorization_server* oauth_server() noexcept;
  /// Keeps OAuth grants' tokens fresh.
  token_refresher& tokens() noexcept;
  /// Consents at the simulated OAuth providers for bootstrap_spec::consent
  /// (account "bootstrap", the scopes Connect asks for); refuses without
  /// simulated providers.
  std::function<std::optional<oauth_token_record>(const provider_record&)>
  simulated_consent();

  /// The stored rules as parsed, shared by every call.
  rule_book& rules() noexcept;

  /// Requests in flight and refused, per class.
  const admission_control& admission() const noexcept;

  /// The worker pool requests run on.
  request_executor& workers() noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace alter::backend
