// Where HTTP traffic goes: one origin plus how to trust it. Pools are per endpoint.
#pragma once

#include <cstdint>
#include <string>

#include "caf/meta/type_name.hpp"

namespace alter::net {

/// How a TLS peer is verified. Verification is on unless a user sets
/// `insecure_skip_verify` explicitly; there is no other way to turn it off.
struct tls_settings {
  /// A PEM file of extra trusted CAs (e.g. the local backend's self-signed one),
  /// added to the system's trust store.
  std::string ca_file;
  /// The same as PEM text, for certificates made in memory.
  std::string ca_pem;
  bool insecure_skip_verify = false;
};

struct endpoint {
  /// "http" or "https".
  std::string scheme = "https";
  std::string host;
  uint16_t port = 443;
  tls_settings tls;

  bool secure() const noexcept {
    return scheme == "https";
  }

  /// "https://host:port": what the pool is keyed on (with the TLS settings).
  std::string origin() const;

  /// origin() plus the trust settings, so two clients that trust differently never
  /// share a connection.
  std::string pool_key() const;
};

bool operator==(const tls_settings& a, const tls_settings& b) noexcept;
bool operator==(const endpoint& a, const endpoint& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tls_settings& x) {
  return f(caf::meta::type_name("tls_settings"), x.ca_file, x.ca_pem,
           x.insecure_skip_verify);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint& x) {
  return f(caf::meta::type_name("endpoint"), x.scheme, x.host, x.port, x.tls);
}

} // namespace alter::net
