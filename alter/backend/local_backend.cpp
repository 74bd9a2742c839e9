#include "alter/backend/local_backend.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "alter/auth/crypto.hpp"
#include "alter/backend/access/authenticator.hpp"
#include "alter/backend/api/admission.hpp"
#include "alter/backend/api/api_group.hpp"
#include "alter/backend/api/health_probes.hpp"
#include "alter/backend/api/idempotency_guard.hpp"
#include "alter/backend/api/idempotency_pruner.hpp"
#include "alter/backend/api/request_executor.hpp"
#include "alter/backend/api/request_metrics.hpp"
#include "alter/backend/api/router.hpp"
#include "alter/backend/approvals/approval_desk.hpp"
#include "alter/backend/approvals/approval_pages.hpp"
#include "alter/backend/approvals/mail_outbox.hpp"
#include "alter/backend/http/html_page.hpp"
#include "alter/backend/http/kept_identity.hpp"
#include "alter/backend/http/page_origin.hpp"
#include "alter/backend/http/self_signed.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/identity/interactive_sessions.hpp"
#include "alter/backend/identity/sign_in_throttle.hpp"
#include "alter/backend/oauth/connect_flow.hpp"
#include "alter/backend/policy/rule_book.hpp"
#include "alter/backend/proxy/upstream_client.hpp"
#include "alter/backend/routes/routes.hpp"
#include "alter/backend/sim/oauth_authorization_server.hpp"
#include "alter/backend/sim/provider_simulator.hpp"
#include "alter/backend/store/open_store.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/net/io_runtime.hpp"
#include "alter/net/loopback.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

int64_t system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// /.well-known/: public documents, no key and no session.
route_group_spec well_known_group() {
  route_group_spec g;
  g.group = route_group::well_known;
  g.prefixes = {"/.well-known/"};
  g.no_route
      = [](const api_call_ptr& call, bool) { call->respond(no_such_endpoint()); };
  g.fail = [](const api_call_ptr& call, alter_error e) { call->fail(std::move(e)); };
  return g;
}

void add_well_known_routes(router& routes, identity_provider& idp) {
  routes.add(route{
      "GET", "/.well-known/jwks.json", {}, [&idp](const api_call_ptr& call) {
        http_response res;
        res.status = 200;
        res.headers
            = {{"Content-Type", "application/json"}, {"Cache-Control", "max-age=300"}};
        res.body = idp.jwks_json();
        call->respond(std::move(res));
      }}.in(route_group::well_known));
}

} // namespace

// Members are destroyed bottom-up; the destructor stops the I/O threads and
// then the workers first, so no handler runs while the router and the store go
// away.
struct local_backend::impl {
  backend_options options;
  std::unique_ptr<store> owned_db;
  store& db;
  std::optional<tls_identity> identity;
  authenticator auth;
  router routes;
  admission_control admission;
  std::shared_ptr<net::io_runtime> io;
  std::unique_ptr<request_executor> workers;
  /// The simulated providers' own workers (they read the store): stand-ins
  /// for providers elsewhere, they do not take the backend's.
  std::unique_ptr<request_executor> provider_workers;
  std::unique_ptr<upstream_client> upstream;
  std::unique_ptr<backend_context> context;
  std::unique_ptr<rule_book> rules;
  std::unique_ptr<mail_outbox> outbox;
  std::unique_ptr<request_log> requests_log;
  request_metrics metrics;

  /// Every answer the router gave: counted for /metrics, and logged when
  /// there is a log (the line is made only then).
  void answered(const answered_request& a) {
    const auto& req = a.call.request;
    metrics.observe(a.matched, req.method, a.status, a.latency_ms);
    if (!requests_log)
      return;
    request_log_line line;
    line.request_id = a.call.request_id;
    line.method = req.method;
    line.route = a.matched != nullptr ? std::string{a.matched->pattern} : "-";
    line.status = a.status;
    line.latency_ms = a.latency_ms;
    line.app_id = a.call.identity.app_id();
    line.caller = a.call.identity.caller;
    line.caller_type = a.call.identity.caller_type;
    line.client_ip = req.client_ip;
    requests_log->write(line);
  }

  /// A request admission control refused, before any routing.
  void refused(const server_request& req, int status) {
    metrics.observe(nullptr, req.method, status, 0);
    if (!requests_log)
      return;
    request_log_line line;
    line.method = req.method;
    line.route = "-";
    line.status = status;
    line.client_ip = req.client_ip;
    requests_log->write(line);
  }
  std::unique_ptr<approval_desk> approvals;
  std::unique_ptr<idempotency_pruner> pruner;
  std::unique_ptr<identity_provider> idp;
  approval_page_options page_options;
  std::unique_ptr<sign_in_throttle> sign_in_failures;
  std::unique_ptr<http_server> api_server;
  std::unique_ptr<http_server> provider_server;
  std::string base_url;
  std::string provider_base_url;
  std::shared_ptr<fault_injector> faults;
  std::shared_ptr<provider_hits> hits;
  std::shared_ptr<oauth_authorization_server> oauth_server;
  std::unique_ptr<token_refresher> tokens;
  std::unique_ptr<refresh_sweep> sweep;

  explicit impl(backend_options opts)
      : options(std::move(opts)),
        owned_db(
            open_store(options.database_path, options.master_key, options.commits)),
        db(*owned_db), auth(db, options.clock ? options.clock : system_seconds),
        admission(options.admission),
        hits(std::make_shared<provider_hits>(options.provider_log_path)) {
  }
};

local_backend::local_backend(backend_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {
  auto& st = *impl_;
  const auto& opts = st.options;
  auto warn = opts.log_warning;
  if (!warn)
    warn = [](const std::string& line) { std::cerr << "alter: " << line << "\n"; };
  if (opts.tls)
    st.identity = kept_tls_identity(st.db.settings(), warn);
  st.io = std::make_shared<net::io_runtime>(opts.io_threads);
  st.workers = std::make_unique<request_executor>(opts.worker_threads);
  net::tls_settings trust;
  if (st.identity)
    trust.ca_pem = st.identity->certificate_pem;
  upstream_options upstream;
  upstream.idle_timeout = opts.upstream_idle_timeout;
  st.upstream
      = std::make_unique<upstream_client>(st.io, trust, net::client_limits{}, upstream);
  st.context = std::make_unique<backend_context>(
      backend_context{st.db, *st.upstream, opts.max_proxy_body});
  st.context->workers = st.workers.get();
  st.tokens = std::make_unique<token_refresher>(*st.context, *st.io, opts.refresh);
  st.context->tokens = st.tokens.get();
  st.rules = std::make_unique<rule_book>(warn);
  st.context->rules = st.rules.get();
  st.context->database_shared = opts.shared_database || st.db.shared_by_instances();
  st.context->max_long_poll = opts.max_long_poll;
  st.context->clock = opts.clock ? opts.clock : system_seconds;
  st.page_options.secure_cookies = opts.tls;
  st.page_options.session_lifetime = opts.approver_session_ttl;
  st.sign_in_failures = std::make_unique<sign_in_throttle>(st.context->clock);
  st.context->sign_in_failures = st.sign_in_failures.get();
  st.context->open_sign_in = opts.insecure_dev_sign_in;
  st.idp = std::make_unique<identity_provider>(st.db, st.context->clock);
  st.context->idp = st.idp.get();
  st.auth.set_identity_provider(st.idp.get());
  // The whole route table, before the server accepts its first request.
  auto& routes = st.routes;
  if (!opts.request_log_path.empty())
    st.requests_log
        = std::make_unique<request_log>(opts.request_log_path, opts.request_log_level);
  routes.set_answer_observer([&st](const answered_request& a) { st.answered(a); });
  routes.add_group(api_group(st.auth));
  routes.add_group(approval_page_group(*st.context, st.base_url));
  routes.add_group(interactive_page_group(st.base_url));
  routes.add_group(well_known_group());
  add_identity_routes(routes, *st.context);
  add_catalog_and_identity_routes(routes, *st.context);
  add_agent_routes(routes, *st.context);
  add_key_routes(routes, *st.context);
  add_grant_admin_routes(routes, *st.context);
  add_connect_routes(routes, *st.context);
  add_credential_routes(routes, *st.context);
  add_grant_routes(routes, *st.context);
  add_policy_routes(routes, *st.context);
  add_approval_routes(routes, *st.context);
  add_audit_routes(routes, *st.context);
  add_approval_page_routes(routes, *st.context, st.page_options);
  add_interactive_page_routes(routes, *st.context);
  add_well_known_routes(routes, *st.idp);
  auto scheme = opts.tls ? std::string{"https://"} : std::string{"http://"};
  st.faults = std::make_shared<fault_injector>(opts.fault_seed);
  st.faults->set_rules(opts.faults);
  st.api_server = std::make_unique<http_server>(
      *st.io,
      [this](server_request req, responder respond) {
        handle(std::move(req), std::move(respond));
      },
      opts.limits, st.identity, st.faults);
  auto port = st.api_server->listen(opts.address, opts.port);
  st.base_url = scheme + opts.address + ":" + std::to_string(port);
  if (!net::is_loopback_address(opts.address))
    warn("listening on " + opts.address
         + ", which is not a loopback address: whoever reaches it can try keys and "
           "approver tokens; this backend is meant for one machine"
         + (opts.tls ? std::string{}
                     : std::string{", and over plain HTTP every request and page "
                                   "travels unencrypted"}));
  st.context->base_url = st.base_url;
  if (!opts.mail_outbox.empty())
    st.outbox = std::make_unique<mail_outbox>(opts.mail_outbox);
  st.approvals
      = std::make_unique<approval_desk>(*st.context, *st.io, *st.workers, st.base_url,
                                        opts.approval_ttl, st.outbox.get());
  st.context->approvals = st.approvals.get();
  // Claims a previous process left unfinished: its requests never run again
  // unless they had not reached the provider. With peers on the database, only
  // the claims no live request can still hold.
  settle_interrupted_claims(st.db, st.context->database_shared,
                            st.context->idempotency_lease);
  st.pruner = std::make_unique<idempotency_pruner>(
      st.db, *st.io, *st.workers, opts.idempotency_window,
      std::clamp(opts.idempotency_window / 4, std::chrono::seconds{1},
                 std::chrono::seconds{300}));
  if (opts.simulated_providers) {
    auto provider_limits = opts.limits;
    if (opts.simulated_provider_idle_timeout)
      provider_limits.idle_timeout = *opts.simulated_provider_idle_timeout;
    st.provider_workers = std::make_unique<request_executor>(4);
    oauth_server_options sim_oauth;
    sim_oauth.access_token_ttl = opts.simulated_token_ttl;
    st.oauth_server = std::make_shared<oauth_authorization_server>(sim_oauth);
    auto simulate = make_provider_simulator(st.db, st.hits, st.oauth_server);
    auto* provider_workers = st.provider_workers.get();
    st.provider_server = std::make_unique<http_server>(
        *st.io,
        [provider_workers, simulate](server_request req, responder respond) {
          provider_workers->post(
              [simulate, req = std::move(req), respond = std::move(respond)]() mutable {
                simulate(std::move(req), std::move(respond));
              });
        },
        provider_limits, st.identity);
    auto pport = st.provider_server->listen(opts.address, opts.provider_port);
    st.provider_base_url = scheme + opts.address + ":" + std::to_string(pport);
    // The providers' URLs change with the port; keep the store in step.
    for (const auto& p : simulated_providers) {
      provider_record record;
      record.id = p.id;
      record.base_url = st.provider_base_url + "/" + p.id;
      record.display_name = p.id;
      if (p.oauth) {
        // A client secret of this process's own: the server lives as long.
        record.oauth_authorize_url = record.base_url + "/oauth/authorize";
        record.oauth_token_url = record.base_url + "/oauth/token";
        record.oauth_client_id = simulated_oauth_client_id;
        record.oauth_client_secret = crypto::random_hex(32);
        // Scopes an operator required stay required.
        if (auto known = st.db.grants().find_provider(p.id))
          record.required_scopes = known->required_scopes;
        st.oauth_server->add_client(p.id, record.oauth_client_id,
                                    record.oauth_client_secret);
      }
      st.db.grants().put_provider(record);
    }
  }
  st.sweep = std::make_unique<refresh_sweep>(st.db, *st.tokens, *st.io, *st.workers,
                                             opts.sweep);
}

local_backend::~local_backend() {
  impl_->sweep.reset();
  impl_->api_server->stop();
  if (impl_->provider_server)
    impl_->provider_server->stop();
  // Stop the I/O threads, then the workers, before anything a handler could
  // still touch goes away (queued requests are dropped: their tickets and
  // connections with them).
  impl_->io->stop();
  impl_->workers->stop();
  if (impl_->provider_workers)
    impl_->provider_workers->stop();
}

std::string local_backend::metrics_text() {
  auto& st = *impl_;
  return st.metrics.render(st.admission, st.workers->queued(), st.db.stats(),
                           st.upstream->stats());
}

void local_backend::handle(server_request req, responder respond) {
  auto& st = *impl_;
  if (req.method == "GET" && net::path_of(req.target) == metrics_path) {
    http_response res;
    res.status = 200;
    res.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"},
                   {"Cache-Control", "no-store"},
                   {"X-Content-Type-Options", "nosniff"}};
    res.body = metrics_text();
    return respond(std::move(res));
  }
  if (auto probe = health_probe_of(req)) {
    if (*probe == health_probe::liveness)
      return respond(liveness_answer());
    auto ticket = st.admission.try_admit(
        request_class::admin,
        st.workers->queue_delay(std::chrono::steady_clock::now()));
    if (!ticket)
      return respond(readiness_answer(readiness::shedding));
    return st.workers->post(
        [&st, respond = holding(std::move(ticket), std::move(respond))]() mutable {
          auto found = readiness::ready;
          try {
            st.db.settings().find("readiness-probe"); // any read will do
          } catch (const std::exception&) {
            found = readiness::database_unavailable;
          }
          respond(readiness_answer(found));
        });
  }
  // On the I/O thread: decided from the request line, before any store work.
  auto cls = classify_request(st.routes.group_of(req.target), req.method, req.target);
  auto ticket = st.admission.try_admit(
      cls, st.workers->queue_delay(std::chrono::steady_clock::now()));
  if (!ticket) {
    auto refusal = overloaded_answer(cls);
    st.refused(req, refusal.status); // counted before the client can see it
    return respond(std::move(refusal));
  }
  st.workers->post(
      [&st, req = std::move(req),
       respond = holding(std::move(ticket), std::move(respond))]() mutable {
        st.routes.handle(std::move(req), std::move(respond));
      });
}

const admission_control& local_backend::admission() const noexcept {
  return impl_->admission;
}

request_executor& local_backend::workers() noexcept {
  return *impl_->workers;
}

const std::vector<route>& local_backend::route_table() const noexcept {
  return impl_->routes.table();
}

const std::string& local_backend::base_url() const noexcept {
  return impl_->base_url;
}

const std::string& local_backend::provider_base_url() const noexcept {
  return impl_->provider_base_url;
}

const std::string& local_backend::certificate_pem() const noexcept {
  static const std::string none;
  return impl_->identity ? impl_->identity->certificate_pem : none;
}

store& local_backend::db() noexcept {
  return impl_->db;
}

identity_provider& local_backend::identity() noexcept {
  return *impl_->idp;
}

fault_injector& local_backend::faults() noexcept {
  return *impl_->faults;
}

provider_hits& local_backend::hits() noexcept {
  return *impl_->hits;
}

oauth_authorization_server* local_backend::oauth_server() noexcept {
  return impl_->oauth_server.get();
}

token_refresher& local_backend::tokens() noexcept {
  return *impl_->tokens;
}

std::function<std::optional<oauth_token_record>(const provider_record&)>
local_backend::simulated_consent() {
  return [server = impl_->oauth_server](
             const provider_record& p) -> std::optional<oauth_token_record> {
    if (!server)
      return std::nullopt;
    auto issued = server->consent_offline(p.id, p.oauth_client_id, "bootstrap",
                                          connect_scopes(p));
    if (!issued)
      return std::nullopt;
    oauth_token_record t;
    t.access_token = std::move(issued->access_token);
    t.refresh_token = std::move(issued->refresh_token);
    t.expires_at = now_iso8601(issued->expires_in);
    t.scopes = std::move(issued->scopes);
    t.refreshed_at = now_iso8601();
    return t;
  };
}

rule_book& local_backend::rules() noexcept {
  return *impl_->rules;
}

} // namespace alter::backend
