// Asynchronous clients for code that is not an actor: every call returns at
// once, with a std::future of a result<T> or with a callback, so a few threads
// keep thousands of calls in flight (google-cloud-cpp's future<StatusOr<T>>).
// They share the client actor of a blocking facade, and keep it open:
//
//   alter::blocking::Agent agent{options};
//   alter::async::Agent calls{agent};
//   auto pending = calls.request(call);          // std::future<result<http_response>>
//   calls.proxy_request(call, [](alter::result<alter::proxy_outcome> r) { ... });
//   alter::result<alter::http_response> r = pending.get();   // never throws
//   if (!r) std::cerr << r.error().message;
//
// A callback runs on one of the actor system's threads: it must not block (no
// .get() on another of these futures there). `.get()` on the future is the
// non-throwing blocking form of every call.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "alter/actors/blocking_client.hpp"
#include "alter/messages/result.hpp"

namespace alter::async {

template <class T>
using future = std::future<result<T>>;

template <class T>
using callback = std::function<void(result<T>)>;

/// What async::Agent and async::App share; `Facade` is the blocking facade
/// whose client actor the calls go to.
template <class Facade>
class client_base {
public:
  future<http_response> request(provider_call call);
  void request(provider_call call, callback<http_response> done);
  future<proxy_outcome> proxy_request(provider_call call);
  void proxy_request(provider_call call, callback<proxy_outcome> done);
  future<grant_list> list_grants(const grant_query& query = {});
  void list_grants(const grant_query& query, callback<grant_list> done);
  future<approval_status> get_approval_status(const std::string& approval_id);
  void get_approval_status(const std::string& approval_id,
                           callback<approval_status> done);
  future<proxy_result> await_approval(const std::string& approval_id,
                                      double timeout = 300.0,
                                      double poll_interval = 2.0);
  void await_approval(const std::string& approval_id, double timeout,
                      double poll_interval, callback<proxy_result> done);
  future<audit_page> query_audit(const audit_query& query = {});
  void query_audit(const audit_query& query, callback<audit_page> done);
  future<scope_catalog> list_scopes();
  void list_scopes(callback<scope_catalog> done);
  future<provider_catalog> list_oauth_providers(bool force_refresh = false);
  void list_oauth_providers(bool force_refresh, callback<provider_catalog> done);
  future<created_grant> create_managed_secret_grant(const managed_secret_grant& g);
  void create_managed_secret_grant(const managed_secret_grant& g,
                                   callback<created_grant> done);
  future<identity_context> resolve_identity(const std::string& user_token);
  void resolve_identity(const std::string& user_token, callback<identity_context> done);
  future<connect_session> create_connect_session(const connect_request& r);
  void create_connect_session(const connect_request& r, callback<connect_session> done);
  future<connect_session>
  create_managed_secret_connect_session(const managed_secret_connect_request& r);
  void create_managed_secret_connect_session(const managed_secret_connect_request& r,
                                             callback<connect_session> done);
  future<connect_status> poll_connect_session(const std::string& session_token);
  void poll_connect_session(const std::string& session_token,
                            callback<connect_status> done);
  /// Drains the client's calls; later calls fail with client_closed.
  future<bool> close();
  void close(callback<bool> done);

  /// The blocking facade over the same client actor.
  const Facade& blocking() const noexcept {
    return client_;
  }

protected:
  explicit client_base(Facade client) : client_(std::move(client)) {
  }

  /// Sends one message to the client actor; `done` gets its reply or error.
  template <class T, class... Ts>
  void post(std::chrono::milliseconds wait, callback<T> done, Ts... xs) const;
  /// The same, answered through a future.
  template <class T, class... Ts>
  future<T> call(std::chrono::milliseconds wait, Ts... xs) const;

  Facade client_;
};

class Agent : public client_base<blocking::Agent> {
public:
  /// Shares `client`'s actor and keeps it open while this lives.
  explicit Agent(blocking::Agent client);
  /// Throws AlterValueError for bad options (the one call that throws).
  explicit Agent(const client_options& options,
                 std::shared_ptr<blocking::environment> env = nullptr);

  future<agent_info> me();
  void me(callback<agent_info> done);
  future<revoked_delegation> revoke_delegation(const std::string& grant_id);
  void revoke_delegation(const std::string& grant_id,
                         callback<revoked_delegation> done);
};

class App : public client_base<blocking::App> {
public:
  explicit App(blocking::App client);
  explicit App(const client_options& options,
               std::shared_ptr<blocking::environment> env = nullptr);

  future<revoked_grant> revoke_grant(const std::string& grant_id,
                                     const std::string& reason = {});
  void revoke_grant(const std::string& grant_id, const std::string& reason,
                    callback<revoked_grant> done);
  future<revoked_delegation> revoke_delegation(const std::string& grant_id,
                                               const std::string& agent_id);
  void revoke_delegation(const std::string& grant_id, const std::string& agent_id,
                         callback<revoked_delegation> done);
  /// valid == false for a token that does not verify (not an error).
  future<verified_user> verify_user_token(const std::string& user_token);
  void verify_user_token(const std::string& user_token, callback<verified_user> done);
};

} // namespace alter::async
