#include "backend/store/process_identity.hpp"

#include "auth/crypto.hpp"

namespace alter::backend {

const std::string& this_process() {
  static const std::string name = crypto::random_hex(16);
  return name;
}

} // namespace alter::backend
