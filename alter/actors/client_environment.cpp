#include "alter/actors/client_environment.hpp"

#include <cstdlib>

namespace alter {

namespace {

void set_from(const char* name, std::string& out) {
  if (const char* v = std::getenv(name); v != nullptr && *v != '\0')
    out = v;
}

} // namespace

client_options options_from_environment(client_options base) {
  set_from("ALTER_API_KEY", base.api_key);
  set_from("ALTER_BASE_URL", base.base_url);
  set_from("ALTER_CA_FILE", base.tls.ca_file);
  return base;
}

} // namespace alter
