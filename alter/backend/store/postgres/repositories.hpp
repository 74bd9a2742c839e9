// Internal to the PostgreSQL store: the repositories, each over a pg_scope
// (autocommit or a transaction). Every call takes a pg_lease first.
#pragma once

#include "alter/backend/store/postgres/pool.hpp"
#include "alter/backend/store/repositories.hpp"

namespace alter::backend {

class pg_accounts final : public accounts_repository {
public:
  explicit pg_accounts(pg_scope scope) : scope_(scope) {
  }
  void insert_app(const app_record& x) override;
  void insert_agent(const agent_record& x) override;
  std::optional<app_record> find_app(std::string_view id) override;
  std::optional<agent_record> find_agent(std::string_view id) override;
  std::optional<agent_record> find_live_agent_by_name(std::string_view app_id,
                                                      std::string_view name) override;
  std::vector<agent_record> list_agents(std::string_view app_id, bool include_revoked,
                                        int64_t limit, int64_t offset,
                                        int64_t& total) override;
  void update_agent(const agent_record& x) override;
  void set_agent_status(std::string_view agent_id, agent_status status) override;
  void insert_key(const key_record& x) override;
  std::optional<key_record> find_key(std::string_view id) override;
  std::optional<key_record> find_key_by_hash(std::string_view key_hash) override;
  std::vector<key_record> list_agent_keys(std::string_view agent_id) override;
  void set_key_status(std::string_view key_id, key_status status) override;
  void update_key_state(const key_record& x) override;
  void cap_derived_expiry(std::string_view key_id, std::string_view at) override;
  void revoke_derived_keys(std::string_view key_id, std::string_view now) override;
  app_user_record user_for_subject(std::string_view app_id,
                                   std::string_view subject) override;
  void update_user(const app_user_record& x) override;

private:
  pg_scope scope_;
};

class pg_grants final : public grants_repository {
public:
  explicit pg_grants(pg_scope scope) : scope_(scope) {
  }
  void insert(const grant_record& x) override;
  std::optional<grant_record> find(std::string_view id) override;
  std::vector<grant_record> list(const grant_filter& filter, int64_t limit,
                                 int64_t offset, int64_t& total) override;
  void set_status(std::string_view grant_id, grant_status status) override;
  void touch(std::string_view grant_id, std::string_view now) override;
  void revoke(std::string_view grant_id, std::string_view now) override;
  void delegate(std::string_view grant_id, std::string_view agent_id,
                std::string_view now) override;
  bool revoke_delegation(std::string_view grant_id, std::string_view agent_id,
                         std::string_view now) override;
  bool is_delegated(std::string_view grant_id, std::string_view agent_id) override;
  std::vector<std::string> delegated_agents(std::string_view grant_id) override;
  void put_provider(const provider_record& x) override;
  void add_provider(const provider_record& x) override;
  std::optional<provider_record> find_provider(std::string_view id) override;
  std::vector<provider_record> list_providers() override;

private:
  pg_scope scope_;
};

class pg_secrets final : public secrets_repository {
public:
  explicit pg_secrets(pg_scope scope) : scope_(scope) {
  }
  void insert(const secret_record& x) override;
  std::optional<secret_record> find(std::string_view id) override;
  std::optional<secret_record> find_by_value(std::string_view provider_id,
                                             std::string_view value) override;

private:
  pg_scope scope_;
};

class pg_audit final : public audit_repository {
public:
  explicit pg_audit(pg_scope scope) : scope_(scope) {
  }
  void append(const audit_record& x, audit_append_key) override;
  std::vector<audit_record> rows(int64_t limit) override;
  std::vector<audit_record> page(std::string_view app_id,
                                 std::string_view after_created_at,
                                 int64_t after_sequence, int64_t limit) override;

private:
  pg_scope scope_;
};

class pg_rules final : public rules_repository {
public:
  explicit pg_rules(pg_scope scope) : scope_(scope) {
  }
  void insert(const rule_record& x) override;
  bool update(const rule_record& x) override;
  bool remove(std::string_view app_id, std::string_view id) override;
  std::optional<rule_record> find(std::string_view app_id,
                                  std::string_view id) override;
  std::vector<rule_record> list(std::string_view app_id) override;
  std::vector<rule_record> for_call(std::string_view app_id, std::string_view agent_id,
                                    std::string_view grant_id,
                                    std::string_view provider_id) override;

private:
  pg_scope scope_;
};

class pg_approvals final : public approvals_repository {
public:
  explicit pg_approvals(pg_scope scope) : scope_(scope) {
  }
  void insert(const approval_record& x) override;
  std::optional<approval_record> find(std::string_view id) override;
  std::vector<approval_record> pending_of_app(std::string_view app_id,
                                              std::string_view now,
                                              std::size_t limit) override;
  bool decide(std::string_view id, approval_state decision, std::string_view decided_by,
              std::string_view reason, std::string_view now) override;
  bool decide_gate(std::string_view id, std::string_view expected_gates,
                   std::string_view gates, approval_state status,
                   std::string_view decided_by, std::string_view reason,
                   std::string_view now) override;
  bool expire(std::string_view id, std::string_view now) override;
  bool start_execution(std::string_view id) override;
  int64_t fail_interrupted(std::string_view result_json, std::string_view now,
                           std::string_view decided_before) override;
  void finish(std::string_view id, approval_state status, int64_t result_status,
              std::string_view result_json, std::string_view executed_at) override;
  void insert_approver(const approver_record& x) override;
  std::vector<approver_record> approvers_of(std::string_view app_id,
                                            std::size_t limit) override;
  std::optional<approver_record>
  find_approver_by_token_hash(std::string_view hash) override;
  void insert_approver_session(std::string_view session_hash,
                               std::string_view approver_id, std::string_view csrf,
                               std::string_view expires_at) override;
  std::optional<approver_session> find_approver_session(std::string_view session_hash,
                                                        std::string_view now) override;
  bool delete_approver_session(std::string_view session_hash) override;

private:
  pg_scope scope_;
};

class pg_sessions final : public sessions_repository {
public:
  explicit pg_sessions(pg_scope scope) : scope_(scope) {
  }
  void insert(const interactive_session_record& x) override;
  std::optional<interactive_session_record> find(std::string_view token_hash) override;
  bool complete(std::string_view token_hash, session_status status,
                std::string_view result_json) override;
  void set_result(std::string_view token_hash, std::string_view result_json) override;

private:
  pg_scope scope_;
};

class pg_idempotency final : public idempotency_repository {
public:
  explicit pg_idempotency(pg_scope scope) : scope_(scope) {
  }
  std::optional<idempotency_record> find(std::string_view app_id,
                                         std::string_view key) override;
  bool claim(std::string_view app_id, std::string_view key,
             std::string_view request_hash, idempotency_state state,
             std::string_view owner) override;
  bool complete(std::string_view app_id, std::string_view key, std::string_view owner,
                int status, std::string_view body) override;
  void release(std::string_view app_id, std::string_view key,
               std::string_view owner) override;
  bool settle_stale(std::string_view app_id, std::string_view key,
                    std::string_view claimed_before, int status,
                    std::string_view body) override;
  int64_t settle_foreign(std::string_view owner, std::string_view claimed_before,
                         int status, std::string_view body) override;
  int64_t prune(std::string_view before, int64_t limit) override;

private:
  pg_scope scope_;
};

class pg_settings final : public settings_repository {
public:
  explicit pg_settings(pg_scope scope) : scope_(scope) {
  }
  std::optional<std::string> find(std::string_view name) override;
  void put(std::string_view name, std::string_view value) override;

private:
  pg_scope scope_;
};

class pg_local_users final : public local_users_repository {
public:
  explicit pg_local_users(pg_scope scope) : scope_(scope) {
  }
  void put(std::string_view name, std::string_view password_hash,
           std::string_view created_at) override;
  std::optional<std::string> password_hash(std::string_view name) override;
  bool remove(std::string_view name) override;
  std::vector<std::string> list() override;

private:
  pg_scope scope_;
};

class pg_oauth final : public oauth_repository {
public:
  explicit pg_oauth(pg_scope scope) : scope_(scope) {
  }
  void put_tokens(const oauth_token_record& x) override;
  std::optional<oauth_token_record> find_tokens(std::string_view grant_id) override;
  bool take_lease(std::string_view grant_id, std::string_view owner,
                  std::string_view now, std::string_view until) override;
  bool store_refreshed(const oauth_token_record& x, std::string_view owner) override;
  bool mark_reauth_required(std::string_view grant_id, std::string_view owner) override;
  void release_lease(std::string_view grant_id, std::string_view owner) override;
  std::vector<std::string> due_for_refresh(std::string_view now,
                                           std::string_view expiring_before,
                                           std::string_view refreshed_before,
                                           int64_t limit) override;
  void insert_flow(const oauth_flow_record& x) override;
  std::optional<oauth_flow_record> take_flow(std::string_view state_hash) override;
  void prune_flows(std::string_view now) override;

private:
  pg_scope scope_;
};

/// The eleven repositories of one scope.
struct pg_repository_set {
  explicit pg_repository_set(pg_scope scope)
      : accounts(scope), grants(scope), secrets(scope), audit(scope), rules(scope),
        approvals(scope), sessions(scope), idempotency(scope), settings(scope),
        local_users(scope), oauth(scope) {
  }
  pg_accounts accounts;
  pg_grants grants;
  pg_secrets secrets;
  pg_audit audit;
  pg_rules rules;
  pg_approvals approvals;
  pg_sessions sessions;
  pg_idempotency idempotency;
  pg_settings settings;
  pg_local_users local_users;
  pg_oauth oauth;
};

} // namespace alter::backend
