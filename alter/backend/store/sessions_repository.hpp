// Interactive sessions: Connect consent and sign-in pages a person completes.
#pragma once

#include <optional>
#include <string_view>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

class sessions_repository {
public:
  virtual ~sessions_repository() = default;

  virtual void insert(const interactive_session_record& x) = 0;
  virtual std::optional<interactive_session_record> find(std::string_view token_hash)
      = 0;
  /// pending -> `status` with its result; false when no longer pending.
  virtual bool complete(std::string_view token_hash, session_status status,
                        std::string_view result_json)
      = 0;
  /// Replaces a session's result (whatever its status).
  virtual void set_result(std::string_view token_hash, std::string_view result_json)
      = 0;
};

} // namespace alter::backend
