#include "alter/actors/blocking_client.hpp"

#include <cmath>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"

#include "alter/actors/clients.hpp"
#include "alter/actors/facade_waits.hpp"
#include "alter/messages/connect_recovery.hpp"
#include "alter/messages/exceptions.hpp"

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

runtime_stats environment::stats(std::chrono::milliseconds timeout) {
  auto out = collect_runtime_stats(system(), clients(), timeout);
  if (!out)
    errors::throw_error(from_caf_error(out.error()));
  return std::move(*out);
}

namespace {

/// Sends one message and waits for the reply; errors become exceptions.
template <class T, class Handle, class... Ts>
T ask(environment& env, const Handle& hdl, std::chrono::milliseconds timeout,
      Ts&&... xs) {
  caf::scoped_actor self{env.system()};
  T result;
  caf::error failure;
  self->request(hdl, timeout + facade::reply_backstop, std::forward<Ts>(xs)...)
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
  return ask<proxy_result>(env, hdl, base + facade::seconds_ms(timeout),
                           await_approval_atom_v, approval_id,
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

// -- Keys and Agents -----------------------------------------------------------------

Keys::Keys(keys_actor handle, std::shared_ptr<environment> env,
           std::chrono::milliseconds timeout, std::shared_ptr<void> client)
    : handle_(std::move(handle)), env_(std::move(env)), timeout_(timeout),
      client_(std::move(client)) {
}

minted_key Keys::derive(const key_derivation& x) {
  return ask<minted_key>(*env_, handle_, timeout_, derive_atom_v, x);
}

minted_key Keys::rotate(const key_rotation& x) {
  return ask<minted_key>(*env_, handle_, timeout_, rotate_atom_v, x);
}

key_info Keys::revoke(const std::string& key_id) {
  return ask<key_info>(*env_, handle_, timeout_, revoke_atom_v, key_id);
}

Agents::Agents(agents_actor handle, std::shared_ptr<environment> env,
               std::chrono::milliseconds timeout, std::shared_ptr<void> client)
    : handle_(std::move(handle)), env_(std::move(env)), timeout_(timeout),
      client_(std::move(client)) {
}

agent_created Agents::create(const agent_create& x,
                             const std::string& idempotency_key) {
  return ask<agent_created>(*env_, handle_, timeout_, create_atom_v, x,
                            idempotency_key);
}

agent_list Agents::list(const agent_query& q) {
  return ask<agent_list>(*env_, handle_, timeout_, list_atom_v, q);
}

agent_info Agents::get(const std::string& agent_id) {
  return ask<agent_info>(*env_, handle_, timeout_, get_atom_v, agent_id);
}

std::optional<agent_info> Agents::get_by_name(const std::string& name) {
  auto found = ask<agent_lookup>(*env_, handle_, timeout_, get_by_name_atom_v, name);
  if (!found.found)
    return std::nullopt;
  return std::move(found.agent);
}

agent_info Agents::update(const std::string& agent_id, const agent_update& x) {
  return ask<agent_info>(*env_, handle_, timeout_, update_atom_v, agent_id, x);
}

agent_info Agents::remove(const std::string& agent_id) {
  return ask<agent_info>(*env_, handle_, timeout_, delete_atom_v, agent_id);
}

minted_key Agents::mint_key(const std::string& agent_id, const std::string& name) {
  return ask<minted_key>(*env_, handle_, timeout_, mint_key_atom_v, agent_id, name);
}

key_list Agents::list_keys(const std::string& agent_id) {
  return ask<key_list>(*env_, handle_, timeout_, list_keys_atom_v, agent_id);
}

key_info Agents::deprecate_key(const std::string& agent_id, const std::string& key_id) {
  return ask<key_info>(*env_, handle_, timeout_, deprecate_key_atom_v, agent_id,
                       key_id);
}

key_info Agents::undeprecate_key(const std::string& agent_id,
                                 const std::string& key_id) {
  return ask<key_info>(*env_, handle_, timeout_, undeprecate_key_atom_v, agent_id,
                       key_id);
}

key_info Agents::revoke_key(const std::string& agent_id, const std::string& key_id,
                            bool force) {
  return ask<key_info>(*env_, handle_, timeout_, revoke_key_atom_v, agent_id, key_id,
                       force);
}

// -- what App and Agent share ---------------------------------------------------------

template <class Handle, class Derived>
client_facade<Handle, Derived>::client_facade(Handle handle,
                                              std::shared_ptr<environment> env,
                                              std::chrono::milliseconds timeout)
    : env_(std::move(env)), handle_(std::move(handle)), timeout_(timeout) {
}

template <class Handle, class Derived>
void client_facade<Handle, Derived>::own_client() {
  owner_ = std::shared_ptr<void>(
      nullptr, [env = env_, handle = handle_, timeout = timeout_](void*) {
        // A destructor must not throw: a client already closed, or a backend
        // gone, leaves nothing more to drain.
        try {
          ask<bool>(*env, handle, timeout, close_atom_v);
        } catch (...) {
        }
      });
}

template <class Handle, class Derived>
http_response client_facade<Handle, Derived>::request(provider_call call) {
  auto wait = facade::call_wait(timeout_, call.timeout);
  return ask<http_response>(*env_, handle_, wait, request_atom_v, std::move(call));
}

template <class Handle, class Derived>
proxy_outcome client_facade<Handle, Derived>::proxy_request(provider_call call) {
  auto wait = facade::call_wait(timeout_, call.timeout);
  return ask<proxy_outcome>(*env_, handle_, wait, proxy_atom_v, std::move(call));
}

template <class Handle, class Derived>
grant_list client_facade<Handle, Derived>::list_grants(const grant_query& query) {
  return ask<grant_list>(*env_, handle_, timeout_, list_grants_atom_v, query);
}

template <class Handle, class Derived>
Derived client_facade<Handle, Derived>::with_constraints(const constraints& c) {
  auto sub = ask<caf::actor>(*env_, handle_, timeout_, constrain_atom_v, c);
  Derived out{caf::actor_cast<Handle>(std::move(sub)), env_, timeout_};
  out.own_client();
  return out;
}

template <class Handle, class Derived>
Derived
client_facade<Handle, Derived>::with_constraints(std::vector<std::string> scopes,
                                                 std::string_view rule_json) {
  constraints c;
  c.scopes = std::move(scopes);
  c.rule = value_or_throw(parse_constraint_rule(rule_json));
  return with_constraints(c);
}

template <class Handle, class Derived>
Derived client_facade<Handle, Derived>::trace(const trace_fields& fields) {
  auto sub = ask<caf::actor>(*env_, handle_, timeout_, trace_atom_v, fields);
  Derived out{caf::actor_cast<Handle>(std::move(sub)), env_, timeout_};
  out.own_client();
  return out;
}

template <class Handle, class Derived>
approval_status
client_facade<Handle, Derived>::get_approval_status(const std::string& approval_id) {
  return ask<approval_status>(*env_, handle_, timeout_, approval_status_atom_v,
                              approval_id);
}

template <class Handle, class Derived>
proxy_result
client_facade<Handle, Derived>::await_approval(const std::string& approval_id,
                                               double timeout, double poll_interval) {
  return await_on(*env_, handle_, timeout_, approval_id, timeout, poll_interval);
}

template <class Handle, class Derived>
audit_page client_facade<Handle, Derived>::query_audit(const audit_query& query) {
  return ask<audit_page>(*env_, handle_, timeout_, audit_query_atom_v, query);
}

template <class Handle, class Derived>
scope_catalog client_facade<Handle, Derived>::list_scopes() {
  return ask<scope_catalog>(*env_, handle_, timeout_, scopes_atom_v);
}

template <class Handle, class Derived>
provider_catalog
client_facade<Handle, Derived>::list_oauth_providers(bool force_refresh) {
  return ask<provider_catalog>(*env_, handle_, timeout_, providers_atom_v,
                               force_refresh);
}

template <class Handle, class Derived>
created_grant client_facade<Handle, Derived>::create_managed_secret_grant(
    const managed_secret_grant& g) {
  return ask<created_grant>(*env_, handle_, timeout_, create_grant_atom_v, g);
}

template <class Handle, class Derived>
identity_context
client_facade<Handle, Derived>::resolve_identity(const std::string& user_token) {
  return ask<identity_context>(*env_, handle_, timeout_, resolve_identity_atom_v,
                               user_token);
}

template <class Handle, class Derived>
Keys client_facade<Handle, Derived>::keys() {
  return Keys{ask<keys_actor>(*env_, handle_, timeout_, keys_atom_v), env_, timeout_,
              owner_};
}

template <class Handle, class Derived>
std::optional<retry_info> client_facade<Handle, Derived>::last_retry_info() {
  auto info = ask<retry_info>(*env_, handle_, timeout_, last_retry_info_atom_v);
  if (!info.retried())
    return std::nullopt;
  return info;
}

template <class Handle, class Derived>
std::string client_facade<Handle, Derived>::actor_id() {
  return ask<std::string>(*env_, handle_, timeout_, actor_id_atom_v);
}

template <class Handle, class Derived>
bool client_facade<Handle, Derived>::key_deprecated() {
  return ask<bool>(*env_, handle_, timeout_, key_status_atom_v);
}

template <class Handle, class Derived>
std::string client_facade<Handle, Derived>::base_url() {
  return ask<std::string>(*env_, handle_, timeout_, base_url_atom_v);
}

template <class Handle, class Derived>
void client_facade<Handle, Derived>::close() {
  ask<bool>(*env_, handle_, timeout_, close_atom_v);
}

// -- Agent ----------------------------------------------------------------------------

Agent::Agent(const client_options& options, std::shared_ptr<environment> env)
    : client_facade({}, or_default(std::move(env)), timeout_of(options)) {
  handle_ = value_or_throw(spawn_agent(env_->system(), env_->clients(), options));
  own_client();
}

Agent::Agent(agent_actor handle, std::shared_ptr<environment> env,
             std::chrono::milliseconds timeout)
    : client_facade(std::move(handle), std::move(env), timeout) {
}

agent_info Agent::me() {
  return ask<agent_info>(*env_, handle_, timeout_, me_atom_v);
}

revoked_delegation Agent::revoke_delegation(const std::string& grant_id) {
  return ask<revoked_delegation>(*env_, handle_, timeout_, revoke_delegation_atom_v,
                                 grant_id, std::string{});
}

// -- App ------------------------------------------------------------------------------

App::App(const client_options& options, std::shared_ptr<environment> env)
    : client_facade({}, or_default(std::move(env)), timeout_of(options)) {
  handle_ = value_or_throw(spawn_app(env_->system(), env_->clients(), options));
  own_client();
}

App::App(app_actor handle, std::shared_ptr<environment> env,
         std::chrono::milliseconds timeout)
    : client_facade(std::move(handle), std::move(env), timeout) {
}

Agent App::get_agent(const std::string& agent_id) {
  auto hdl = ask<agent_actor>(*env_, handle_, timeout_, get_agent_atom_v, agent_id);
  Agent out{std::move(hdl), env_, timeout_};
  out.own_client();
  return out;
}

Agents App::agents() {
  return Agents{ask<agents_actor>(*env_, handle_, timeout_, agents_atom_v), env_,
                timeout_, owner_};
}

revoked_grant App::revoke_grant(const std::string& grant_id,
                                const std::string& reason) {
  return ask<revoked_grant>(*env_, handle_, timeout_, revoke_grant_atom_v, grant_id,
                            reason);
}

revoked_delegation App::revoke_delegation(const std::string& grant_id,
                                          const std::string& agent_id) {
  return ask<revoked_delegation>(*env_, handle_, timeout_, revoke_delegation_atom_v,
                                 grant_id, agent_id);
}

template <class Handle, class Derived>
connect_session
client_facade<Handle, Derived>::create_connect_session(const connect_request& r) {
  return ask<connect_session>(*env_, handle_, timeout_, connect_session_atom_v, r);
}

template <class Handle, class Derived>
connect_session client_facade<Handle, Derived>::create_connect_session_for_error(
    const errors::AlterSDKError& e, const connect_request& base) {
  auto req = connect_request_for_error(e.error(), base);
  if (!req)
    errors::throw_error(
        make_error(error_code::invalid_argument,
                   "this error names no grant or provider a Connect session "
                   "could fix"));
  return create_connect_session(*req);
}

template <class Handle, class Derived>
connect_session client_facade<Handle, Derived>::create_managed_secret_connect_session(
    const managed_secret_connect_request& r) {
  if (r.provider_id.empty())
    errors::throw_error(
        make_error(error_code::invalid_argument,
                   "provider_id is required: the provider the secret is for"));
  return create_connect_session(connect_request_for_secret(r));
}

template <class Handle, class Derived>
connect_status
client_facade<Handle, Derived>::poll_connect_session(const std::string& session_token) {
  return ask<connect_status>(*env_, handle_, timeout_, poll_connect_atom_v,
                             session_token);
}

namespace {

/// An actor that hands each URL a flow shows to `on_url`; null without one.
caf::actor url_listener(environment& env,
                        const std::function<void(const std::string&)>& on_url) {
  if (!on_url)
    return {};
  // The callback travels as a spawn argument: CAF 0.17 dereferences an empty
  // argument tuple when a function-based actor takes none (UBSan reports it).
  return env.system().spawn(
      [](caf::event_based_actor* self,
         const std::function<void(const std::string&)>& callback) -> caf::behavior {
        return {[=](connect_atom, const std::string& url) {
          callback(url);
          self->quit();
        }};
      },
      on_url);
}

} // namespace

template <class Handle, class Derived>
std::vector<connect_result> client_facade<Handle, Derived>::connect(
    const connect_options& options,
    const std::function<void(const std::string&)>& on_url) {
  auto listener = url_listener(*env_, on_url);
  auto result = [&] {
    return ask<std::vector<connect_result>>(
        *env_, handle_, timeout_ + facade::seconds_ms(options.timeout), connect_atom_v,
        options, listener);
  };
  try {
    auto out = result();
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    return out;
  } catch (...) {
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    throw;
  }
}

template class client_facade<agent_actor, Agent>;
template class client_facade<app_actor, App>;

auth_session App::create_auth_session() {
  return ask<auth_session>(*env_, handle_, timeout_, auth_session_atom_v);
}

auth_status App::poll_auth_session(const std::string& session_token) {
  return ask<auth_status>(*env_, handle_, timeout_, poll_auth_atom_v, session_token);
}

auth_status App::authenticate(double timeout,
                              const std::function<void(const std::string&)>& on_url) {
  auto listener = url_listener(*env_, on_url);
  try {
    auto out = ask<auth_status>(*env_, handle_, timeout_ + facade::seconds_ms(timeout),
                                authenticate_atom_v, timeout, listener);
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    return out;
  } catch (...) {
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    throw;
  }
}

std::optional<std::string> App::verify_user_token(const std::string& user_token) {
  auto v
      = ask<verified_user>(*env_, handle_, timeout_, verify_token_atom_v, user_token);
  if (!v.valid)
    return std::nullopt;
  return v.sub;
}

} // namespace alter::blocking
