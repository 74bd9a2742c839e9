// A thin blocking facade for code that is not an actor: each call sends one
// message to the client actor and waits for the reply. Errors are thrown as
// alter::errors::* exceptions. Not for hot paths: every call wakes a thread.
#pragma once

#include <memory>
#include <string>

#include "actors/client_actors.hpp"
#include "actors/client_options.hpp"
#include "actors/clients.hpp"
#include "net/transport.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace alter::blocking {

/// An actor system plus a runtime, shared by the blocking clients made from it.
class environment {
public:
  static std::shared_ptr<environment> make(net::transport_options options = {});
  ~environment();

  caf::actor_system& system() noexcept;
  const net::transport_actor& transport() const noexcept;
  const client_context& clients() const noexcept;

private:
  environment();
  struct impl;
  std::unique_ptr<impl> impl_;
};

class Agent {
public:
  /// Throws AlterValueError for bad options.
  explicit Agent(const client_options& options,
                 std::shared_ptr<environment> env = nullptr);
  Agent(agent_actor handle, std::shared_ptr<environment> env,
        std::chrono::milliseconds timeout);
  ~Agent();

  http_response request(provider_call call);
  proxy_outcome proxy_request(provider_call call);
  grant_list list_grants(const grant_query& query = {});
  agent_info me();
  /// A sub-client whose every request carries these constraints (scopes the key
  /// already implies, a one-off rule); AlterValueError for none, malformed or
  /// repeated constraints, AlterSDKError on a closed client.
  Agent with_constraints(const constraints& c);
  /// The state of a held call, without waiting.
  approval_status get_approval_status(const std::string& approval_id);
  /// Waits for a held call: the executed result, or throws ApprovalDeniedError,
  /// ApprovalExpiredError, ApprovalExecutionFailedError or ApprovalTimeoutError.
  proxy_result await_approval(const std::string& approval_id, double timeout = 300.0,
                              double poll_interval = 2.0);
  /// The audit trail after a cursor (keys with audit_logs:read).
  audit_page query_audit(const audit_query& query = {});
  /// Drains outstanding calls; later calls throw AlterSDKError (client_closed).
  void close();

  const agent_actor& handle() const noexcept {
    return handle_;
  }

private:
  std::shared_ptr<environment> env_;
  agent_actor handle_;
  std::chrono::milliseconds timeout_;
};

class App {
public:
  explicit App(const client_options& options,
               std::shared_ptr<environment> env = nullptr);
  App(app_actor handle, std::shared_ptr<environment> env,
      std::chrono::milliseconds timeout);
  ~App();

  http_response request(provider_call call);
  proxy_outcome proxy_request(provider_call call);
  grant_list list_grants(const grant_query& query = {});
  /// Throws AlterValueError for a non-UUID id, before any I/O.
  Agent get_agent(const std::string& agent_id);
  /// A sub-client whose every request carries these constraints (scopes the key
  /// already implies, a one-off rule); AlterValueError for none, malformed or
  /// repeated constraints, AlterSDKError on a closed client.
  App with_constraints(const constraints& c);
  /// The state of a held call, without waiting.
  approval_status get_approval_status(const std::string& approval_id);
  /// Waits for a held call: the executed result, or throws ApprovalDeniedError,
  /// ApprovalExpiredError, ApprovalExecutionFailedError or ApprovalTimeoutError.
  proxy_result await_approval(const std::string& approval_id, double timeout = 300.0,
                              double poll_interval = 2.0);
  /// The audit trail after a cursor (keys with audit_logs:read).
  audit_page query_audit(const audit_query& query = {});
  void close();

  const app_actor& handle() const noexcept {
    return handle_;
  }

private:
  std::shared_ptr<environment> env_;
  app_actor handle_;
  std::chrono::milliseconds timeout_;
};

} // namespace alter::blocking
