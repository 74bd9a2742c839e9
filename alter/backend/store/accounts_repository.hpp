// Apps, agents, their API keys and an app's end users. No SQL here: each
// database implements it (backend/store/sqlite/).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

class accounts_repository {
public:
  virtual ~accounts_repository() = default;

  virtual void insert_app(const app_record& x) = 0;
  virtual std::optional<app_record> find_app(std::string_view id) = 0;

  virtual void insert_agent(const agent_record& x) = 0;
  virtual std::optional<agent_record> find_agent(std::string_view id) = 0;
  virtual std::optional<agent_record> find_live_agent_by_name(std::string_view app_id,
                                                              std::string_view name)
      = 0;
  /// The app's agents by creation time; revoked ones only when asked.
  virtual std::vector<agent_record> list_agents(std::string_view app_id,
                                                bool include_revoked, int64_t limit,
                                                int64_t offset, int64_t& total)
      = 0;
  virtual void update_agent(const agent_record& x) = 0;
  virtual void set_agent_status(std::string_view agent_id, agent_status status) = 0;

  virtual void insert_key(const key_record& x) = 0;
  virtual std::optional<key_record> find_key(std::string_view id) = 0;
  virtual std::optional<key_record> find_key_by_hash(std::string_view key_hash) = 0;
  virtual std::vector<key_record> list_agent_keys(std::string_view agent_id) = 0;
  virtual void set_key_status(std::string_view key_id, key_status status) = 0;
  /// Writes a key's status, its timestamps and its expiry.
  virtual void update_key_state(const key_record& x) = 0;
  /// Keys derived (directly or not) from `key_id` expire by `at` at the latest.
  virtual void cap_derived_expiry(std::string_view key_id, std::string_view at) = 0;
  /// Revokes every live key derived (directly or not) from `key_id`.
  virtual void revoke_derived_keys(std::string_view key_id, std::string_view now) = 0;

  /// The app's user with this subject, created (active, no groups) if new.
  virtual app_user_record user_for_subject(std::string_view app_id,
                                           std::string_view subject)
      = 0;
  virtual void update_user(const app_user_record& x) = 0;
};

} // namespace alter::backend
