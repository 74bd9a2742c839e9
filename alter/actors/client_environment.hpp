// Client options from the environment, as the SDK's other languages read them:
// a key kept out of source code and command lines.
#pragma once

#include "alter/actors/client_options.hpp"

namespace alter {

/// `base` with what the environment sets: ALTER_API_KEY (api_key),
/// ALTER_BASE_URL (base_url), ALTER_CA_FILE (tls.ca_file). Unset or empty
/// variables leave `base` as it is; nothing is checked here (the client checks
/// the options when it starts).
client_options options_from_environment(client_options base = {});

} // namespace alter
