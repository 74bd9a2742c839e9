#include "alter/backend/store/records.hpp"

namespace alter::backend {

std::string_view to_string(idempotency_state x) noexcept {
  switch (x) {
    case idempotency_state::pending:
      return "pending";
    case idempotency_state::executing:
      return "executing";
    case idempotency_state::done:
      return "done";
  }
  return "executing";
}

std::optional<idempotency_state> idempotency_state_from(std::string_view x) noexcept {
  for (auto s : {idempotency_state::pending, idempotency_state::executing,
                 idempotency_state::done})
    if (to_string(s) == x)
      return s;
  // Databases written before the states were split knew one unfinished state.
  if (x == "in_progress")
    return idempotency_state::executing;
  return std::nullopt;
}

} // namespace alter::backend
