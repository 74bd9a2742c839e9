// A thin blocking facade for code that is not an actor: each call sends one
// message to the client actor and waits for the reply. Errors are thrown as
// alter::errors::* exceptions. Not for hot paths: every call wakes a thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alter/actors/client_actors.hpp"
#include "alter/actors/client_options.hpp"
#include "alter/actors/clients.hpp"
#include "alter/actors/runtime_stats.hpp"
#include "alter/messages/exceptions.hpp"
#include "alter/net/transport.hpp"

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
  /// Its pools' load and its retry budgets (runtime_stats.hpp); AlterSDKError
  /// when the transport does not answer within `timeout`.
  runtime_stats stats(std::chrono::milliseconds timeout = std::chrono::seconds{5});

private:
  environment();
  struct impl;
  std::unique_ptr<impl> impl_;
};

class Agent;
class App;

/// app.keys (and agent.keys): the calling key's lifecycle.
class Keys {
public:
  /// `client` keeps the client these calls belong to open while this lives.
  Keys(keys_actor handle, std::shared_ptr<environment> env,
       std::chrono::milliseconds timeout, std::shared_ptr<void> client = nullptr);
  /// A short-lived alter_dk_ key with a subset of this key's scopes
  /// (keys:derive); BackendError constraint_not_narrowing otherwise.
  minted_key derive(const key_derivation& x);
  /// A successor key; the old one lasts the grace period (keys:admin).
  minted_key rotate(const key_rotation& x);
  /// Immediate; keys derived from it go too (keys:admin).
  key_info revoke(const std::string& key_id);

private:
  keys_actor handle_;
  std::shared_ptr<environment> env_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<void> client_;
};

/// app.agents: operator CRUD of managed agents and their keys.
class Agents {
public:
  /// `client` keeps the client these calls belong to open while this lives.
  Agents(agents_actor handle, std::shared_ptr<environment> env,
         std::chrono::milliseconds timeout, std::shared_ptr<void> client = nullptr);
  /// With an idempotency key, the same key and body replay the metadata
  /// (api_key empty); another body throws IdempotencyKeyBodyMismatchError.
  agent_created create(const agent_create& x, const std::string& idempotency_key = {});
  agent_list list(const agent_query& q = {});
  agent_info get(const std::string& agent_id);
  /// nullopt when no live agent has the name.
  std::optional<agent_info> get_by_name(const std::string& name);
  agent_info update(const std::string& agent_id, const agent_update& x);
  /// Soft delete: revokes the agent and its keys.
  agent_info remove(const std::string& agent_id);
  minted_key mint_key(const std::string& agent_id, const std::string& name = "key");
  key_list list_keys(const std::string& agent_id);
  key_info deprecate_key(const std::string& agent_id, const std::string& key_id);
  key_info undeprecate_key(const std::string& agent_id, const std::string& key_id);
  /// LastActiveKeyError for the agent's last live key unless `force`.
  key_info revoke_key(const std::string& agent_id, const std::string& key_id,
                      bool force = false);

private:
  agents_actor handle_;
  std::shared_ptr<environment> env_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<void> client_;
};

/// What App and Agent share. `Derived` is the facade class itself, so that
/// sub-clients (with_constraints, trace) come back as the same kind.
template <class Handle, class Derived>
class client_facade {
public:
  http_response request(provider_call call);
  proxy_outcome proxy_request(provider_call call);
  grant_list list_grants(const grant_query& query = {});
  /// A sub-client whose every request carries these constraints (scopes the key
  /// already implies, a one-off rule); AlterValueError for none, malformed or
  /// repeated constraints, AlterSDKError on a closed client.
  Derived with_constraints(const constraints& c);
  /// The same with the rule in the documented JSON form (parse_constraint_rule),
  /// e.g. R"({"rule_type": "json_match", "rule_body": {"when": {"method": "POST"},
  /// "effect": "deny"}})"; no scopes: the key's own.
  Derived with_constraints(std::vector<std::string> scopes, std::string_view rule_json);
  /// A trace scope: every call of the returned client carries these fields into
  /// the audit trail; nested scopes merge, the inner fields win.
  Derived trace(const trace_fields& fields);
  /// The state of a held call, without waiting.
  approval_status get_approval_status(const std::string& approval_id);
  /// Waits for a held call: the executed result, or throws ApprovalDeniedError,
  /// ApprovalExpiredError, ApprovalExecutionFailedError or ApprovalTimeoutError.
  proxy_result await_approval(const std::string& approval_id, double timeout = 300.0,
                              double poll_interval = 2.0);
  /// The audit trail after a cursor (keys with audit_logs:read).
  audit_page query_audit(const audit_query& query = {});
  /// scopes.list(): the Alter scope catalog.
  scope_catalog list_scopes();
  /// oauth_providers.list(): cached in the client for five minutes.
  provider_catalog list_oauth_providers(bool force_refresh = false);
  /// A managed-secret grant; an Agent can only grant itself.
  created_grant create_managed_secret_grant(const managed_secret_grant& g);
  /// who the end user behind a JWT is; ReAuthRequiredError for a bad token.
  identity_context resolve_identity(const std::string& user_token);
  /// A Connect session (connect:initiate). An Agent's delegates the grant made
  /// to the agent, for the user its user_token_getter names.
  connect_session create_connect_session(const connect_request& r);
  /// The session that fixes `e` (messages/connect_recovery.hpp): a consent
  /// that re-authorises the grant a ReAuthRequiredError or
  /// ScopeReauthRequiredError names, or gives the agent of a
  /// NoDelegatedGrantError its grant. `base` carries return_url, metadata and
  /// the like. Throws AlterValueError, before any I/O, for an error a consent
  /// does not fix.
  connect_session create_connect_session_for_error(const errors::AlterSDKError& e,
                                                   const connect_request& base = {});
  /// A consent page where the person types a secret (an API key of theirs)
  /// for `r.provider_id`; the backend stores it encrypted and makes a
  /// managed_secret grant of it (the user's, delegated to `r.agent_id` if
  /// given). Poll it like any Connect session. AlterValueError for an empty
  /// provider_id, before any I/O.
  connect_session
  create_managed_secret_connect_session(const managed_secret_connect_request& r);
  connect_status poll_connect_session(const std::string& session_token);
  /// The headless flow: `on_url` receives the consent URL (without it, a browser
  /// opens or the URL goes to standard error); returns the grants made, or
  /// throws ConnectDeniedError or ConnectTimeoutError.
  std::vector<connect_result>
  connect(const connect_options& options = {},
          const std::function<void(const std::string&)>& on_url = nullptr);
  Keys keys();
  /// What the retry supervisor did for the most recent request() (retrieve
  /// mode) if it was retried; empty until a request() needed a second attempt
  /// and again after one that did not.
  std::optional<retry_info> last_retry_info();
  /// The backend-resolved actor id, once a call has been answered; else "".
  std::string actor_id();
  /// Whether the last answer marked this client's key deprecated.
  bool key_deprecated();
  /// The backend base URL the client is pinned to.
  std::string base_url();
  /// Drains outstanding calls; later calls throw AlterSDKError (client_closed).
  /// A client made from options (and its sub-clients: with_constraints,
  /// trace, get_agent) closes itself when its last copy goes out of scope, as
  /// Python's `async with` does; close() only makes that explicit.
  void close();

  const Handle& handle() const noexcept {
    return handle_;
  }
  const std::shared_ptr<environment>& env() const noexcept {
    return env_;
  }
  /// The client's timeout: how long one call may take.
  std::chrono::milliseconds timeout() const noexcept {
    return timeout_;
  }

protected:
  client_facade(Handle handle, std::shared_ptr<environment> env,
                std::chrono::milliseconds timeout);

  /// From now on the last copy of this facade closes the client (its audit
  /// reports written, its calls drained; bounded by the client's timeout).
  void own_client();

  std::shared_ptr<environment> env_;
  Handle handle_;
  std::chrono::milliseconds timeout_;
  /// Shared by the copies; its deleter closes. Declared last: it goes first.
  std::shared_ptr<void> owner_;
};

class Agent : public client_facade<agent_actor, Agent> {
  friend class App; // get_agent: the App's impersonation owns its Agent

public:
  /// Throws AlterValueError for bad options.
  explicit Agent(const client_options& options,
                 std::shared_ptr<environment> env = nullptr);
  Agent(agent_actor handle, std::shared_ptr<environment> env,
        std::chrono::milliseconds timeout);

  agent_info me();
  /// Gives up this agent's delegated access to a grant.
  revoked_delegation revoke_delegation(const std::string& grant_id);
};

class App : public client_facade<app_actor, App> {
public:
  explicit App(const client_options& options,
               std::shared_ptr<environment> env = nullptr);
  App(app_actor handle, std::shared_ptr<environment> env,
      std::chrono::milliseconds timeout);

  /// Throws AlterValueError for a non-UUID id, before any I/O.
  Agent get_agent(const std::string& agent_id);
  Agents agents();
  revoked_grant revoke_grant(const std::string& grant_id,
                             const std::string& reason = {});
  revoked_delegation revoke_delegation(const std::string& grant_id,
                                       const std::string& agent_id);
  auth_session create_auth_session();
  auth_status poll_auth_session(const std::string& session_token);
  /// Sign-in at the identity provider: the user's JWT and what it says of them.
  auth_status authenticate(double timeout = 300.0,
                           const std::function<void(const std::string&)>& on_url
                           = nullptr);
  /// The verified subject, or nullopt for a token that does not verify.
  std::optional<std::string> verify_user_token(const std::string& user_token);
};

} // namespace alter::blocking
