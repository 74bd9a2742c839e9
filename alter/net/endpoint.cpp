#include "alter/net/endpoint.hpp"

#include <functional>

namespace alter::net {

std::string endpoint::origin() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

std::string endpoint::pool_key() const {
  auto key = origin();
  if (secure()) {
    key += "|ca=" + tls.ca_file;
    key += "|pem=" + std::to_string(std::hash<std::string>{}(tls.ca_pem));
    key += tls.insecure_skip_verify ? "|insecure" : "|verify";
  }
  return key;
}

bool operator==(const tls_settings& a, const tls_settings& b) noexcept {
  return a.ca_file == b.ca_file && a.ca_pem == b.ca_pem
         && a.insecure_skip_verify == b.insecure_skip_verify;
}

bool operator==(const endpoint& a, const endpoint& b) noexcept {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.tls == b.tls;
}

} // namespace alter::net
