#include "alter/messages/approvals.hpp"

namespace alter {

bool approval_status::terminal() const noexcept {
  return status == approval_states::executed || status == approval_states::failed
         || status == approval_states::denied || status == approval_states::expired;
}

} // namespace alter
