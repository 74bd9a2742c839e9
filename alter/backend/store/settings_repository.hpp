// The backend's own named values (e.g. the identity provider's key), sealed at rest.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace alter::backend {

class settings_repository {
public:
  virtual ~settings_repository() = default;

  virtual std::optional<std::string> find(std::string_view name) = 0;
  /// Inserts or replaces.
  virtual void put(std::string_view name, std::string_view value) = 0;
};

} // namespace alter::backend
