#include "actors/blocking_client.hpp"

#include <cmath>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"

#include "actors/clients.hpp"
#include "messages/exceptions.hpp"

namespace alter::blocking {

struct environment::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  client_context clients;
};

environment::environment() : impl_(std::make_unique<impl>()) {
}

std::shared_ptr<environment> environment::make(net::transport_options options) {
  std::shared_ptr<environment> env{new environment};
  env->impl_->sys = std::make_unique<caf::actor_system>(env->impl_->cfg);
  env->impl_->clients
      = make_client_context(net::spawn_transport(*env->impl_->sys, options));
  return env;
}

environment::~environment() {
  caf::anon_send_exit(impl_->clients.transport, caf::exit_reason::user_shutdown);
  impl_->clients = {};
  impl_->sys.reset();
}

caf::actor_system& environment::system() noexcept {
  return *impl_->sys;
}

const net::transport_actor& environment::transport() const noexcept {
  return impl_->clients.transport;
}

const client_context& environment::clients() const noexcept {
  return impl_->clients;
}

namespace {

/// Sends one message and waits for the reply; errors become exceptions.
template <class T, class Handle, class... Ts>
T ask(environment& env, const Handle& hdl, std::chrono::milliseconds timeout,
      Ts&&... xs) {
  caf::scoped_actor self{env.system()};
  T result;
  caf::error failure;
  // The client enforces the call's deadline; this is only a backstop.
  self->request(hdl, timeout + std::chrono::seconds{5}, std::forward<Ts>(xs)...)
      .receive([&](T& value) { result = std::move(value); },
               [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    errors::throw_error(from_caf_error(failure));
  return result;
}

/// await_approval of either client: the call's own timeout plus the wait.
template <class Handle>
proxy_result await_on(environment& env, const Handle& hdl,
                      std::chrono::milliseconds base, const std::string& approval_id,
                      double timeout, double poll_interval) {
  auto backstop = base
                  + std::chrono::milliseconds{static_cast<int64_t>(
                      std::isfinite(timeout) && timeout > 0 ? timeout * 1000 : 0)};
  return ask<proxy_result>(env, hdl, backstop, await_approval_atom_v, approval_id,
                           approval_wait{timeout, poll_interval});
}

template <class T>
T value_or_throw(caf::expected<T> x) {
  if (!x)
    errors::throw_error(from_caf_error(x.error()));
  return std::move(*x);
}

std::chrono::milliseconds timeout_of(const client_options& options) {
  auto seconds
      = std::isfinite(options.timeout) && options.timeout > 0 ? options.timeout : 30.0;
  return std::chrono::milliseconds{static_cast<int64_t>(seconds * 1000)};
}

std::shared_ptr<environment> or_default(std::shared_ptr<environment> env) {
  return env ? std::move(env) : environment::make();
}

} // namespace

Agent::Agent(const client_options& options, std::shared_ptr<environment> env)
    : env_(or_default(std::move(env))),
      handle_(value_or_throw(spawn_agent(env_->system(), env_->clients(), options))),
      timeout_(timeout_of(options)) {
}

Agent::Agent(agent_actor handle, std::shared_ptr<environment> env,
             std::chrono::milliseconds timeout)
    : env_(std::move(env)), handle_(std::move(handle)), timeout_(timeout) {
}

Agent::~Agent() = default;

Agent Agent::with_constraints(const constraints& c) {
  auto sub = ask<caf::actor>(*env_, handle_, timeout_, constrain_atom_v, c);
  return Agent{caf::actor_cast<agent_actor>(std::move(sub)), env_, timeout_};
}

http_response Agent::request(provider_call call) {
  return ask<http_response>(*env_, handle_, timeout_, request_atom_v, std::move(call));
}

proxy_outcome Agent::proxy_request(provider_call call) {
  return ask<proxy_outcome>(*env_, handle_, timeout_, proxy_atom_v, std::move(call));
}

approval_status Agent::get_approval_status(const std::string& approval_id) {
  return ask<approval_status>(*env_, handle_, timeout_, approval_status_atom_v,
                              approval_id);
}

proxy_result Agent::await_approval(const std::string& approval_id, double timeout,
                                   double poll_interval) {
  return await_on(*env_, handle_, timeout_, approval_id, timeout, poll_interval);
}

audit_page Agent::query_audit(const audit_query& query) {
  return ask<audit_page>(*env_, handle_, timeout_, audit_query_atom_v, query);
}

grant_list Agent::list_grants(const grant_query& query) {
  return ask<grant_list>(*env_, handle_, timeout_, list_grants_atom_v, query);
}

agent_info Agent::me() {
  return ask<agent_info>(*env_, handle_, timeout_, me_atom_v);
}

void Agent::close() {
  ask<bool>(*env_, handle_, timeout_, close_atom_v);
}

App::App(const client_options& options, std::shared_ptr<environment> env)
    : env_(or_default(std::move(env))),
      handle_(value_or_throw(spawn_app(env_->system(), env_->clients(), options))),
      timeout_(timeout_of(options)) {
}

App::App(app_actor handle, std::shared_ptr<environment> env,
         std::chrono::milliseconds timeout)
    : env_(std::move(env)), handle_(std::move(handle)), timeout_(timeout) {
}

App::~App() = default;

App App::with_constraints(const constraints& c) {
  auto sub = ask<caf::actor>(*env_, handle_, timeout_, constrain_atom_v, c);
  return App{caf::actor_cast<app_actor>(std::move(sub)), env_, timeout_};
}

http_response App::request(provider_call call) {
  return ask<http_response>(*env_, handle_, timeout_, request_atom_v, std::move(call));
}

proxy_outcome App::proxy_request(provider_call call) {
  return ask<proxy_outcome>(*env_, handle_, timeout_, proxy_atom_v, std::move(call));
}

approval_status App::get_approval_status(const std::string& approval_id) {
  return ask<approval_status>(*env_, handle_, timeout_, approval_status_atom_v,
                              approval_id);
}

proxy_result App::await_approval(const std::string& approval_id, double timeout,
                                 double poll_interval) {
  return await_on(*env_, handle_, timeout_, approval_id, timeout, poll_interval);
}

audit_page App::query_audit(const audit_query& query) {
  return ask<audit_page>(*env_, handle_, timeout_, audit_query_atom_v, query);
}

grant_list App::list_grants(const grant_query& query) {
  return ask<grant_list>(*env_, handle_, timeout_, list_grants_atom_v, query);
}

Agent App::get_agent(const std::string& agent_id) {
  auto hdl = ask<agent_actor>(*env_, handle_, timeout_, get_agent_atom_v, agent_id);
  return Agent{std::move(hdl), env_, timeout_};
}

void App::close() {
  ask<bool>(*env_, handle_, timeout_, close_atom_v);
}

} // namespace alter::blocking
