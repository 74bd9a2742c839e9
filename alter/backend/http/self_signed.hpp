// Certificates made in memory with OpenSSL 3 (P-256): the local backend's
// self-signed one (valid for localhost and 127.0.0.1; clients trust it through a
// CA file), and a small certificate authority that issues end-entity
// certificates (the swarm cluster's, see docs/swarm.md).
#pragma once

#include <string>

#include "alter/backend/http/http_server.hpp"

namespace alter::backend {

/// A fresh key pair and certificate, valid for `days` days.
tls_identity make_self_signed_identity(int days = 365);

/// What an issued certificate may be used for (its extended key usage): a peer
/// verifying it checks the purpose, so a client certificate cannot serve.
enum class certificate_use {
  tls_server,
  tls_client,
};

/// A fresh certificate authority named `common_name`, valid for `days` days: it
/// may sign end-entity certificates only (path length 0).
tls_identity make_certificate_authority(const std::string& common_name, int days);

/// A fresh key and an end-entity certificate for `use`, named `common_name`,
/// signed by `ca` (from make_certificate_authority), valid for `days` days.
/// Throws std::runtime_error when `ca` does not parse or its key does not match.
tls_identity issue_certificate(const tls_identity& ca, const std::string& common_name,
                               certificate_use use, int days);

/// Whether `id` holds a PEM certificate and a PEM private key that belong
/// together (files read from disk are checked before TLS is set up with them).
bool is_matching_identity(const tls_identity& id);

/// Whether `id` matches (is_matching_identity) and its certificate is valid
/// now and for at least `days` more days.
bool is_valid_for(const tls_identity& id, int days);

/// Whether `pem` holds a PEM certificate.
bool is_certificate(const std::string& pem);

} // namespace alter::backend
