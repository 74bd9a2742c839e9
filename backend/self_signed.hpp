// A self-signed certificate for the local backend, made in memory with OpenSSL 3
// (P-256, valid for localhost and 127.0.0.1). Clients trust it through a CA file.
#pragma once

#include <string>

#include "backend/http_server.hpp"

namespace alter::backend {

/// A fresh key pair and certificate, valid for `days` days.
tls_identity make_self_signed_identity(int days = 365);

} // namespace alter::backend
