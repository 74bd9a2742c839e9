// Stored policy rules (docs/policies.md).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

class rules_repository {
public:
  virtual ~rules_repository() = default;

  virtual void insert(const rule_record& x) = 0;
  /// False when no rule `id` of `app_id` exists.
  virtual bool update(const rule_record& x) = 0;
  virtual bool remove(std::string_view app_id, std::string_view id) = 0;
  virtual std::optional<rule_record> find(std::string_view app_id, std::string_view id)
      = 0;
  virtual std::vector<rule_record> list(std::string_view app_id) = 0;
  /// The enabled rules attached to any of the call's targets.
  virtual std::vector<rule_record>
  for_call(std::string_view app_id, std::string_view agent_id,
           std::string_view grant_id, std::string_view provider_id)
      = 0;
};

} // namespace alter::backend
