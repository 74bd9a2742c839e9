#include "alter/version.hpp"

namespace alter {

const char* version() noexcept {
  return ALTER_VERSION_STRING;
}

} // namespace alter
