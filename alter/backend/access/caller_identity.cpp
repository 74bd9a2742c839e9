#include "alter/backend/access/caller_identity.hpp"

#include "alter/auth/scope.hpp"

namespace alter::backend {

bool caller_identity::permits(std::string_view required) const {
  if (!set_implies(key.scopes, required))
    return false;
  // Constraints without scopes keep the key's scopes.
  return !constraints || constraints->scopes.empty()
         || set_implies(constraints->scopes, required);
}

} // namespace alter::backend
