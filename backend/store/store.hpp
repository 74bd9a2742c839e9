// The backend's state in SQLite (WAL). Thread-safe: every method takes the
// store's lock, so request handlers on several I/O threads may share one store.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/encryption/master_key.hpp"
#include "backend/store/records.hpp"
#include "backend/store/sqlite.hpp"

namespace alter::backend {

class barrier;
enum class sealed_column;

struct grant_filter {
  std::string app_id;
  /// Empty: the app's own (system) grants; else the grants this agent owns.
  std::string agent_id;
  std::string provider_id;
  std::string account;
  std::string label;
  /// Set when the app acts for an end user: only that user's grants.
  std::string user_id;
};

/// What an Idempotency-Key already stands for.
struct idempotency_claim {
  enum kind_t {
    /// First use: this request now owns the key and must complete or release it.
    fresh,
    /// Another request with this key is still executing.
    in_progress,
    /// Executed before: `status` and `body` are its answer, to replay.
    done,
    /// Used before with a different request.
    mismatch,
  };
  kind_t kind = fresh;
  int status = 0;
  std::string body;
};

class store {
public:
  /// Opens or creates the database at `path` and its schema. Its secret columns
  /// are encrypted under data keys sealed by the master key `key` names (see
  /// barrier.hpp); an older database's clear values are encrypted on open.
  /// Throws encryption_error for a missing, loose or wrong master key.
  explicit store(const std::string& path, const master_key_options& key = {});
  ~store();

  void insert_app(const app_record& x);
  void insert_agent(const agent_record& x);
  void insert_key(const key_record& x);
  /// Inserts or replaces (a server registering where it serves a provider).
  void put_provider(const provider_record& x);
  /// Inserts unless a provider with this id exists, whose row stays as it is
  /// (bootstrap must not move a provider a running server serves).
  void add_provider(const provider_record& x);
  void insert_secret(const secret_record& x);
  void insert_grant(const grant_record& x);

  std::optional<key_record> find_key_by_hash(std::string_view key_hash);
  std::optional<key_record> find_key(std::string_view id);
  std::optional<agent_record> find_agent(std::string_view id);
  std::optional<grant_record> find_grant(std::string_view id);
  std::optional<secret_record> find_secret(std::string_view id);
  std::optional<provider_record> find_provider(std::string_view id);

  /// The grants a principal may use, newest first, paginated; `total` counts all.
  std::vector<grant_record> list_grants(const grant_filter& filter, int64_t limit,
                                        int64_t offset, int64_t& total);

  /// The secret of a provider with exactly this value (the simulated providers
  /// check presented credentials with it).
  std::optional<secret_record> find_secret_by_value(std::string_view provider_id,
                                                    std::string_view value);

  /// Runs `fn` in one transaction (bulk bootstrap); rolls back if it throws.
  void transaction(const std::function<void()>& fn);

  void set_key_status(std::string_view key_id, std::string_view status);
  void set_agent_status(std::string_view agent_id, std::string_view status);
  void set_grant_status(std::string_view grant_id, std::string_view status);
  void touch_grant(std::string_view grant_id, std::string_view now);

  /// Claims `key` for the request whose hash is `request_hash` (per app). A claim
  /// still in progress after `stale_after` is taken over: its owner died.
  idempotency_claim claim_idempotency(std::string_view app_id, std::string_view key,
                                      std::string_view request_hash,
                                      std::chrono::seconds stale_after
                                      = std::chrono::seconds{60});
  /// Stores the answer of the request that owns the key.
  void complete_idempotency(std::string_view app_id, std::string_view key, int status,
                            std::string_view body);
  /// Gives the key up: the request never reached the upstream, a retry may run.
  void release_idempotency(std::string_view app_id, std::string_view key);

  /// Appends one audit row durably; throws sqlite_error when it cannot.
  void append_audit(const audit_record& x);
  std::vector<audit_record> audit_rows(int64_t limit);
  /// One app's rows in the order they were written, after `after_sequence` when
  /// it is positive, else after `after_created_at`. Rows are stamped when their
  /// call starts but numbered when written: paging by number never skips a row
  /// that a slow call wrote late.
  std::vector<audit_record> audit_page(std::string_view app_id,
                                       std::string_view after_created_at,
                                       int64_t after_sequence, int64_t limit);

  // Agents, keys, delegations, users and sessions (store_accounts.cpp).
  /// The app's agents by creation time; revoked ones only when asked.
  std::vector<agent_record> list_agents(std::string_view app_id, bool include_revoked,
                                        int64_t limit, int64_t offset, int64_t& total);
  std::optional<agent_record> find_live_agent_by_name(std::string_view app_id,
                                                      std::string_view name);
  void update_agent(const agent_record& x);
  std::vector<key_record> list_agent_keys(std::string_view agent_id);
  /// Writes a key's status, its timestamps and its expiry.
  void update_key_state(const key_record& x);
  /// Keys derived (directly or not) from `key_id` expire by `at` at the latest.
  void cap_derived_expiry(std::string_view key_id, std::string_view at);
  /// Revokes every live key derived (directly or not) from `key_id`.
  void revoke_derived_keys(std::string_view key_id, std::string_view now);
  void insert_delegation(std::string_view grant_id, std::string_view agent_id,
                         std::string_view now);
  /// False when the agent had no live delegation of the grant.
  bool revoke_delegation(std::string_view grant_id, std::string_view agent_id,
                         std::string_view now);
  bool is_delegated(std::string_view grant_id, std::string_view agent_id);
  std::vector<std::string> delegated_agents(std::string_view grant_id);
  void revoke_grant(std::string_view grant_id, std::string_view now);
  /// The app's user with this subject, created (active, no groups) if new.
  app_user_record user_for_subject(std::string_view app_id, std::string_view subject);
  void update_user(const app_user_record& x);
  void insert_session(const interactive_session_record& x);
  std::optional<interactive_session_record> find_session(std::string_view token_hash);
  /// pending -> `status` with its result; false when no longer pending.
  bool complete_session(std::string_view token_hash, std::string_view status,
                        std::string_view result_json);
  /// Replaces a session's result (whatever its status).
  void set_session_result(std::string_view token_hash, std::string_view result_json);
  std::vector<provider_record> list_providers();
  std::optional<std::string> setting(std::string_view name);
  void put_setting(std::string_view name, std::string_view value);

  // Rules (store_policies.cpp).
  void insert_rule(const rule_record& x);
  /// False when no rule `id` of `app_id` exists.
  bool update_rule(const rule_record& x);
  bool delete_rule(std::string_view app_id, std::string_view id);
  std::optional<rule_record> find_rule(std::string_view app_id, std::string_view id);
  std::vector<rule_record> list_rules(std::string_view app_id);
  /// The enabled rules attached to any of the call's targets.
  std::vector<rule_record> rules_for(std::string_view app_id, std::string_view agent_id,
                                     std::string_view grant_id,
                                     std::string_view provider_id);

  // Approvers and their page sessions (store_policies.cpp).
  void insert_approver(const approver_record& x);
  std::optional<approver_record> find_approver_by_token_hash(std::string_view hash);
  void insert_approver_session(std::string_view session_hash,
                               std::string_view approver_id, std::string_view csrf,
                               std::string_view expires_at);
  std::optional<approver_session> find_approver_session(std::string_view session_hash,
                                                        std::string_view now);
  /// Ends a session (sign-out); false when there was none.
  bool delete_approver_session(std::string_view session_hash);

  // The local identity provider's users (store_users.cpp): a name and the
  // scrypt hash of its password (backend/identity/password_hash.hpp), never the
  // password.
  /// Adds `name`, or replaces its password hash.
  void put_local_idp_user(std::string_view name, std::string_view password_hash,
                          std::string_view created_at);
  std::optional<std::string> local_idp_password_hash(std::string_view name);
  bool delete_local_idp_user(std::string_view name);
  std::vector<std::string> list_local_idp_users();

  // Approvals (store_approvals.cpp). Transitions are conditional updates: of
  // two racing decisions, or a decision racing expiry, exactly one wins.
  void insert_approval(const approval_record& x);
  std::optional<approval_record> find_approval(std::string_view id);
  /// pending -> approved | denied, only before `now` reaches expires_at.
  bool decide_approval(std::string_view id, std::string_view decision,
                       std::string_view decided_by, std::string_view reason,
                       std::string_view now);
  /// pending -> expired, only once `now` reached expires_at.
  bool expire_approval(std::string_view id, std::string_view now);
  /// approved -> executing.
  bool start_approval_execution(std::string_view id);
  /// approved | executing -> failed for every approval a previous process left
  /// mid-way (its outcome is unknown; it is never run again). Returns how many.
  int64_t fail_interrupted_approvals(std::string_view result_json,
                                     std::string_view now);
  /// executing -> executed | failed, with the result (or error envelope).
  void finish_approval(std::string_view id, std::string_view status,
                       int64_t result_status, std::string_view result_json,
                       std::string_view executed_at);

  // Encryption at rest (store_encryption.cpp).
  /// Re-seals the data keys under `next` (master key rotation); values stay.
  void reseal_data_keys(const master_key& next);
  /// A new data key: every sealed value re-encrypted under it in one
  /// transaction, the old data keys dropped. `kek` must be the master key.
  void rotate_data_key(const master_key& kek);
  /// The id of the data key new values are sealed with.
  uint32_t data_key_id();

private:
  statement& cached(const char* sql);
  std::string seal(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view plaintext);
  /// The plaintext of a stored cell; throws encryption_error when it does not
  /// decrypt for this row (an empty nullable cell is an empty value).
  std::string open(sealed_column c, std::initializer_list<std::string_view> row,
                   std::string_view stored);
  void open_barrier(const master_key_options& key, const std::string& path);
  /// Seals the clear cells of the secret columns (all cells when `all`, under
  /// the current data key) and refreshes the lookup hashes; returns how many.
  int64_t reseal_values(bool all);

  std::recursive_mutex mtx_;
  database db_;
  std::map<const char*, statement> statements_;
  std::unique_ptr<barrier> barrier_;
};

/// The current UTC time as ISO 8601 with milliseconds, e.g. 2026-11-28T16:09:32.123Z;
/// `offset` moves it (negative: the past).
std::string now_iso8601(std::chrono::seconds offset = std::chrono::seconds{0});

} // namespace alter::backend
