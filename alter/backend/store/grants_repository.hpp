// Grants, their delegations to agents, and the providers they are for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

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

class grants_repository {
public:
  virtual ~grants_repository() = default;

  virtual void insert(const grant_record& x) = 0;
  virtual std::optional<grant_record> find(std::string_view id) = 0;
  /// The grants a principal may use, newest first, paginated; `total` counts all.
  virtual std::vector<grant_record> list(const grant_filter& filter, int64_t limit,
                                         int64_t offset, int64_t& total)
      = 0;
  virtual void set_status(std::string_view grant_id, grant_status status) = 0;
  virtual void touch(std::string_view grant_id, std::string_view now) = 0;
  virtual void revoke(std::string_view grant_id, std::string_view now) = 0;

  virtual void delegate(std::string_view grant_id, std::string_view agent_id,
                        std::string_view now)
      = 0;
  /// False when the agent had no live delegation of the grant.
  virtual bool revoke_delegation(std::string_view grant_id, std::string_view agent_id,
                                 std::string_view now)
      = 0;
  virtual bool is_delegated(std::string_view grant_id, std::string_view agent_id) = 0;
  virtual std::vector<std::string> delegated_agents(std::string_view grant_id) = 0;

  /// Inserts or replaces (a server registering where it serves a provider).
  virtual void put_provider(const provider_record& x) = 0;
  /// Inserts unless a provider with this id exists, whose row stays as it is
  /// (bootstrap must not move a provider a running server serves).
  virtual void add_provider(const provider_record& x) = 0;
  virtual std::optional<provider_record> find_provider(std::string_view id) = 0;
  virtual std::vector<provider_record> list_providers() = 0;
};

} // namespace alter::backend
