#include "tools/swarm/swarm_target.hpp"

#include <chrono>
#include <thread>

#include "caf/send.hpp"

#include "alter/actors/runtime.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/backend/policy/rule_validation.hpp"
#include "alter/backend/sim/oauth_authorization_server.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/net/url.hpp"
#include "tools/swarm/swarm_driver.hpp"

namespace alter::swarm {

namespace {

/// The provider whose rules the denied and approval calls meet.
constexpr const char* governed = "sim-query";

std::vector<backend::fault_rule> faults_of(const std::string& profile) {
  if (profile == "none")
    return {};
  // API calls only: the approval page has no retries, a person would reload.
  double p = profile == "heavy" ? 0.05 : 0.01;
  backend::fault_rule unavailable;
  unavailable.path_prefix = "/v1/";
  unavailable.kind = backend::fault_kind::status;
  unavailable.status = 503;
  unavailable.retry_after_seconds = 0;
  unavailable.probability = p;
  backend::fault_rule reset = unavailable;
  reset.kind = backend::fault_kind::reset_before;
  return {unavailable, reset};
}

backend::rule_record rule(const std::string& app_id, const std::string& type,
                          const std::string& method) {
  backend::rule_record r;
  r.id = backend::new_rule_id();
  r.app_id = app_id;
  r.name = "swarm " + type + " " + method;
  r.target_type = "provider";
  r.target_id = governed;
  r.rule_type = type;
  r.rule_body_json = R"({"when": {"method": [")" + method + R"("]}})";
  r.created_at = backend::now_iso8601();
  return r;
}

} // namespace

std::unique_ptr<backend::local_backend> start_embedded(const scenario& s,
                                                       swarm_target& target) {
  using std::chrono::seconds;
  backend::backend_options opts;
  opts.tls = s.tls;
  opts.refresh.buffer = seconds{s.oauth_refresh_buffer_seconds};
  // The stampede: the first tokens live a second and are dead when the run
  // starts; the ones refreshed during it live as the scenario says.
  opts.simulated_token_ttl
      = seconds{s.oauth_start_expired ? 1 : s.oauth_token_ttl_seconds};
  opts.faults = faults_of(s.fault_profile);
  opts.fault_seed = s.seed;
  auto be = std::make_unique<backend::local_backend>(opts);
  backend::bootstrap_spec spec;
  spec.agents = static_cast<int>(s.agents);
  spec.providers = s.providers;
  spec.consent = be->simulated_consent();
  bool wants_rules = s.mix.denied + s.mix.approval > 0;
  if (wants_rules
      && std::find(spec.providers.begin(), spec.providers.end(), governed)
             == spec.providers.end())
    spec.providers.emplace_back(governed);
  auto keys = backend::bootstrap(be->db(), spec);
  target = {};
  target.base_url = be->base_url();
  target.ca_pem = be->certificate_pem();
  target.approver_token = keys.approver_token;
  for (std::size_t i = 0; i < spec.providers.size(); ++i) {
    target.provider_urls.push_back(be->provider_base_url() + "/" + spec.providers[i]);
    if (wants_rules && spec.providers[i] == governed)
      target.governed_provider = i;
  }
  if (wants_rules) {
    be->db().rules().insert(rule(keys.app_id, "json_match", "DELETE"));
    be->db().rules().insert(rule(keys.app_id, "require_approval", "PUT"));
  }
  if (auto* server = be->oauth_server(); server && s.oauth_start_expired) {
    server->set_access_token_ttl(seconds{s.oauth_token_ttl_seconds});
    std::this_thread::sleep_for(std::chrono::milliseconds{1100});
  }
  target.agents.reserve(keys.agents.size());
  for (auto& a : keys.agents)
    target.agents.push_back({std::move(a.api_key), std::move(a.grant_ids)});
  return be;
}

void add_oauth_figures(backend::local_backend& be, const scenario& s,
                       swarm_report& report) {
  auto* server = be.oauth_server();
  if (server == nullptr)
    return;
  auto& o = report.oauth;
  o.grants = 0;
  for (const auto& id : s.providers)
    if (auto p = be.db().grants().find_provider(id); p && p->is_oauth())
      ++o.grants;
  using backend::oauth_grant_type;
  o.refreshes = server->token_requests(oauth_grant_type::refresh_token, true);
  o.refused_refreshes
      = server->token_requests(oauth_grant_type::refresh_token) - o.refreshes;
  auto counts = be.tokens().counts();
  o.failed = counts.failed;
  o.reauth_required = counts.reauth_required;
  o.waited_out = counts.waited_out;
  o.expired_presentations = server->expired_presentations();
}

swarm_report drive(caf::actor_system& sys, const scenario& s,
                   const swarm_target& target, std::ostream* progress,
                   bool progress_tty,
                   std::function<void(const progress_snapshot&)> on_progress) {
  runtime rt{sys};
  auto backend_url = net::parse_url(target.base_url);
  if (!backend_url)
    throw std::invalid_argument{"the target's base URL is unusable"};
  swarm_plan plan;
  plan.scenario = s.name;
  plan.calls_per_agent = s.calls_per_agent;
  plan.duration
      = std::chrono::milliseconds{static_cast<int64_t>(s.duration_seconds * 1000)};
  plan.concurrency = s.concurrency;
  plan.per_agent_window = s.per_agent_window;
  plan.mix = s.mix;
  plan.seed = s.seed;
  plan.provider_urls = target.provider_urls;
  plan.governed_provider = target.governed_provider;
  plan.transport = rt.transport();
  plan.backend = backend_url->where;
  plan.backend.tls.ca_pem = target.ca_pem;
  plan.budget = rt.context().budgets->for_origin(plan.backend.origin());
  plan.progress = progress;
  plan.progress_tty = progress_tty;
  plan.on_progress = std::move(on_progress);
  net::transport_actor approver_transport;
  if (!target.approver_token.empty()) {
    approver_settings as;
    // The approver is a person with a browser of their own: its page requests
    // must not queue behind the agents' long-polls for the very decision.
    approver_transport = net::spawn_transport(sys);
    as.transport = approver_transport;
    as.backend = plan.backend;
    as.approver_token = target.approver_token;
    as.delay = std::chrono::milliseconds{static_cast<int64_t>(s.approver_delay_ms)};
    as.deny_ratio = s.approver_deny_ratio;
    as.seed = s.seed;
    plan.approver = spawn_approver(sys, std::move(as));
  }
  plan.agents.reserve(target.agents.size());
  for (const auto& a : target.agents) {
    client_options copts;
    copts.api_key = a.api_key;
    copts.base_url = target.base_url;
    copts.tls.ca_pem = target.ca_pem;
    // The swarm injects its own faults (2% or 10% of attempts): with the
    // default 3 attempts, 2,000 calls leave one exhausted about once in 60
    // runs. Two more attempts make that once in millions, so a failure in the
    // report is the runtime's, not the dice's.
    if (s.fault_profile != "none")
      copts.retry.max_attempts = 5;
    auto client = rt.spawn_agent(copts);
    if (!client)
      throw std::runtime_error{to_string(from_caf_error(client.error()))};
    plan.agents.push_back({std::move(*client), a.grant_ids});
  }
  auto approver = plan.approver;
  auto report = run_swarm(sys, std::move(plan));
  // The runtime's pools and retry budget as the run left them.
  if (auto stats = rt.stats())
    report.sdk_metrics = prometheus_text(*stats);
  if (approver)
    caf::anon_send_exit(approver, caf::exit_reason::user_shutdown);
  if (approver_transport)
    caf::anon_send_exit(approver_transport, caf::exit_reason::user_shutdown);
  return report;
}

} // namespace alter::swarm
