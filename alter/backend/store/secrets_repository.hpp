// Managed secrets: the credentials grants stand for, sealed at rest.
#pragma once

#include <optional>
#include <string_view>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

class secrets_repository {
public:
  virtual ~secrets_repository() = default;

  virtual void insert(const secret_record& x) = 0;
  virtual std::optional<secret_record> find(std::string_view id) = 0;
  /// The secret of a provider with exactly this value (the simulated providers
  /// check presented credentials with it).
  virtual std::optional<secret_record> find_by_value(std::string_view provider_id,
                                                     std::string_view value)
      = 0;
};

} // namespace alter::backend
