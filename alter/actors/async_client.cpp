#include "alter/actors/async_client.hpp"

#include <cmath>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"

#include "alter/actors/facade_waits.hpp"
#include "alter/messages/atoms.hpp"
#include "alter/messages/connect_recovery.hpp"

namespace alter::async {

using facade::call_wait;
using facade::seconds_ms;

template <class Facade>
template <class T, class... Ts>
void client_base<Facade>::post(std::chrono::milliseconds wait, callback<T> done,
                               Ts... xs) const {
  // One short-lived actor per call: it sends, waits without a thread, hands
  // the answer on and ends. The arguments travel as spawn arguments (CAF 0.17
  // mishandles a function-based actor spawned without any).
  client_.env()->system().spawn(
      [handle = client_.handle(), wait,
       done = std::move(done)](caf::event_based_actor* self, const Ts&... args) {
        self->request(handle, wait + facade::reply_backstop, args...)
            .then([done](T& value) { done(result<T>{std::move(value)}); },
                  [done](caf::error& err) { done(result<T>{from_caf_error(err)}); });
      },
      std::move(xs)...);
}

template <class Facade>
template <class T, class... Ts>
future<T> client_base<Facade>::call(std::chrono::milliseconds wait, Ts... xs) const {
  auto promise = std::make_shared<std::promise<result<T>>>();
  auto out = promise->get_future();
  post<T>(
      wait, [promise](result<T> r) { promise->set_value(std::move(r)); },
      std::move(xs)...);
  return out;
}

// -- what both share ------------------------------------------------------------------

template <class Facade>
future<http_response> client_base<Facade>::request(provider_call c) {
  auto wait = call_wait(client_.timeout(), c.timeout);
  return call<http_response>(wait, request_atom_v, std::move(c));
}

template <class Facade>
void client_base<Facade>::request(provider_call c, callback<http_response> done) {
  auto wait = call_wait(client_.timeout(), c.timeout);
  post<http_response>(wait, std::move(done), request_atom_v, std::move(c));
}

template <class Facade>
future<proxy_outcome> client_base<Facade>::proxy_request(provider_call c) {
  auto wait = call_wait(client_.timeout(), c.timeout);
  return call<proxy_outcome>(wait, proxy_atom_v, std::move(c));
}

template <class Facade>
void client_base<Facade>::proxy_request(provider_call c, callback<proxy_outcome> done) {
  auto wait = call_wait(client_.timeout(), c.timeout);
  post<proxy_outcome>(wait, std::move(done), proxy_atom_v, std::move(c));
}

template <class Facade>
future<grant_list> client_base<Facade>::list_grants(const grant_query& q) {
  return call<grant_list>(client_.timeout(), list_grants_atom_v, q);
}

template <class Facade>
void client_base<Facade>::list_grants(const grant_query& q, callback<grant_list> done) {
  post<grant_list>(client_.timeout(), std::move(done), list_grants_atom_v, q);
}

template <class Facade>
future<approval_status>
client_base<Facade>::get_approval_status(const std::string& id) {
  return call<approval_status>(client_.timeout(), approval_status_atom_v, id);
}

template <class Facade>
void client_base<Facade>::get_approval_status(const std::string& id,
                                              callback<approval_status> done) {
  post<approval_status>(client_.timeout(), std::move(done), approval_status_atom_v, id);
}

template <class Facade>
future<proxy_result> client_base<Facade>::await_approval(const std::string& id,
                                                         double timeout,
                                                         double poll_interval) {
  return call<proxy_result>(client_.timeout() + seconds_ms(timeout),
                            await_approval_atom_v, id,
                            approval_wait{timeout, poll_interval});
}

template <class Facade>
void client_base<Facade>::await_approval(const std::string& id, double timeout,
                                         double poll_interval,
                                         callback<proxy_result> done) {
  post<proxy_result>(client_.timeout() + seconds_ms(timeout), std::move(done),
                     await_approval_atom_v, id, approval_wait{timeout, poll_interval});
}

template <class Facade>
future<audit_page> client_base<Facade>::query_audit(const audit_query& q) {
  return call<audit_page>(client_.timeout(), audit_query_atom_v, q);
}

template <class Facade>
void client_base<Facade>::query_audit(const audit_query& q, callback<audit_page> done) {
  post<audit_page>(client_.timeout(), std::move(done), audit_query_atom_v, q);
}

template <class Facade>
future<scope_catalog> client_base<Facade>::list_scopes() {
  return call<scope_catalog>(client_.timeout(), scopes_atom_v);
}

template <class Facade>
void client_base<Facade>::list_scopes(callback<scope_catalog> done) {
  post<scope_catalog>(client_.timeout(), std::move(done), scopes_atom_v);
}

template <class Facade>
future<provider_catalog> client_base<Facade>::list_oauth_providers(bool force) {
  return call<provider_catalog>(client_.timeout(), providers_atom_v, force);
}

template <class Facade>
void client_base<Facade>::list_oauth_providers(bool force,
                                               callback<provider_catalog> done) {
  post<provider_catalog>(client_.timeout(), std::move(done), providers_atom_v, force);
}

template <class Facade>
future<created_grant>
client_base<Facade>::create_managed_secret_grant(const managed_secret_grant& g) {
  return call<created_grant>(client_.timeout(), create_grant_atom_v, g);
}

template <class Facade>
void client_base<Facade>::create_managed_secret_grant(const managed_secret_grant& g,
                                                      callback<created_grant> done) {
  post<created_grant>(client_.timeout(), std::move(done), create_grant_atom_v, g);
}

template <class Facade>
future<identity_context>
client_base<Facade>::resolve_identity(const std::string& user_token) {
  return call<identity_context>(client_.timeout(), resolve_identity_atom_v, user_token);
}

template <class Facade>
void client_base<Facade>::resolve_identity(const std::string& user_token,
                                           callback<identity_context> done) {
  post<identity_context>(client_.timeout(), std::move(done), resolve_identity_atom_v,
                         user_token);
}

template <class Facade>
future<connect_session>
client_base<Facade>::create_connect_session(const connect_request& r) {
  return call<connect_session>(client_.timeout(), connect_session_atom_v, r);
}

template <class Facade>
void client_base<Facade>::create_connect_session(const connect_request& r,
                                                 callback<connect_session> done) {
  post<connect_session>(client_.timeout(), std::move(done), connect_session_atom_v, r);
}

template <class Facade>
future<connect_session> client_base<Facade>::create_managed_secret_connect_session(
    const managed_secret_connect_request& r) {
  auto promise = std::make_shared<std::promise<result<connect_session>>>();
  auto out = promise->get_future();
  create_managed_secret_connect_session(
      r, [promise](result<connect_session> s) { promise->set_value(std::move(s)); });
  return out;
}

template <class Facade>
void client_base<Facade>::create_managed_secret_connect_session(
    const managed_secret_connect_request& r, callback<connect_session> done) {
  if (r.provider_id.empty())
    return done(result<connect_session>{
        make_error(error_code::invalid_argument,
                   "provider_id is required: the provider the secret is for")});
  post<connect_session>(client_.timeout(), std::move(done), connect_session_atom_v,
                        connect_request_for_secret(r));
}

template <class Facade>
future<connect_status>
client_base<Facade>::poll_connect_session(const std::string& token) {
  return call<connect_status>(client_.timeout(), poll_connect_atom_v, token);
}

template <class Facade>
void client_base<Facade>::poll_connect_session(const std::string& token,
                                               callback<connect_status> done) {
  post<connect_status>(client_.timeout(), std::move(done), poll_connect_atom_v, token);
}

template <class Facade>
future<bool> client_base<Facade>::close() {
  return call<bool>(client_.timeout(), close_atom_v);
}

template <class Facade>
void client_base<Facade>::close(callback<bool> done) {
  post<bool>(client_.timeout(), std::move(done), close_atom_v);
}

template class client_base<blocking::Agent>;
template class client_base<blocking::App>;

// -- Agent ----------------------------------------------------------------------------

Agent::Agent(blocking::Agent client) : client_base(std::move(client)) {
}

Agent::Agent(const client_options& options, std::shared_ptr<blocking::environment> env)
    : client_base(blocking::Agent{options, std::move(env)}) {
}

future<agent_info> Agent::me() {
  return call<agent_info>(client_.timeout(), me_atom_v);
}

void Agent::me(callback<agent_info> done) {
  post<agent_info>(client_.timeout(), std::move(done), me_atom_v);
}

future<revoked_delegation> Agent::revoke_delegation(const std::string& grant_id) {
  return call<revoked_delegation>(client_.timeout(), revoke_delegation_atom_v, grant_id,
                                  std::string{});
}

void Agent::revoke_delegation(const std::string& grant_id,
                              callback<revoked_delegation> done) {
  post<revoked_delegation>(client_.timeout(), std::move(done), revoke_delegation_atom_v,
                           grant_id, std::string{});
}

// -- App ------------------------------------------------------------------------------

App::App(blocking::App client) : client_base(std::move(client)) {
}

App::App(const client_options& options, std::shared_ptr<blocking::environment> env)
    : client_base(blocking::App{options, std::move(env)}) {
}

future<revoked_grant> App::revoke_grant(const std::string& grant_id,
                                        const std::string& reason) {
  return call<revoked_grant>(client_.timeout(), revoke_grant_atom_v, grant_id, reason);
}

void App::revoke_grant(const std::string& grant_id, const std::string& reason,
                       callback<revoked_grant> done) {
  post<revoked_grant>(client_.timeout(), std::move(done), revoke_grant_atom_v, grant_id,
                      reason);
}

future<revoked_delegation> App::revoke_delegation(const std::string& grant_id,
                                                  const std::string& agent_id) {
  return call<revoked_delegation>(client_.timeout(), revoke_delegation_atom_v, grant_id,
                                  agent_id);
}

void App::revoke_delegation(const std::string& grant_id, const std::string& agent_id,
                            callback<revoked_delegation> done) {
  post<revoked_delegation>(client_.timeout(), std::move(done), revoke_delegation_atom_v,
                           grant_id, agent_id);
}

future<verified_user> App::verify_user_token(const std::string& user_token) {
  return call<verified_user>(client_.timeout(), verify_token_atom_v, user_token);
}

void App::verify_user_token(const std::string& user_token,
                            callback<verified_user> done) {
  post<verified_user>(client_.timeout(), std::move(done), verify_token_atom_v,
                      user_token);
}

} // namespace alter::async
