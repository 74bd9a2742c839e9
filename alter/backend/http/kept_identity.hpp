// The backend's self-signed TLS identity, kept in its database (sealed under
// the master key, as every setting is) so that a restart serves the same
// certificate and the CA files clients were given stay valid. Instances
// sharing a database serve the same one.
#pragma once

#include <functional>
#include <string>

#include "alter/backend/http/http_server.hpp"

namespace alter::backend {

class settings_repository;

/// The certificate is renewed when it has fewer days left than this.
constexpr int identity_renewal_days = 30;

/// The kept identity; a new one (kept from now on) when none is kept, the
/// kept one does not read (bytes changed in the database: `warn` says so) or
/// it expires within identity_renewal_days.
tls_identity kept_tls_identity(settings_repository& settings,
                               const std::function<void(const std::string&)>& warn);

} // namespace alter::backend
