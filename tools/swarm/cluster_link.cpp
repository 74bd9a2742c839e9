#include "tools/swarm/cluster_link.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace alter::swarm {

bool is_loopback_address(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, address.c_str(), &v6) == 1
         && std::memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
}

bool link_allowed(cluster_link link, const std::string& address, std::string& error) {
  if (link == cluster_link::mutual_tls || is_loopback_address(address))
    return true;
  error = "plain TCP carries the agents' keys in the clear: --insecure-plain-cluster "
          "works on a loopback address only (127.0.0.1 or ::1), not on "
          + address;
  return false;
}

} // namespace alter::swarm
