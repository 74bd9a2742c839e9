#include "alter/backend/store/process_identity.hpp"

#include "alter/auth/crypto.hpp"

namespace alter::backend {

const std::string& this_process() {
  static const std::string name = crypto::random_hex(16);
  return name;
}

} // namespace alter::backend
