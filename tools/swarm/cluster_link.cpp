#include "tools/swarm/cluster_link.hpp"

#include "alter/net/loopback.hpp"

namespace alter::swarm {

bool link_allowed(cluster_link link, const std::string& address, std::string& error) {
  if (link == cluster_link::mutual_tls || net::is_loopback_address(address))
    return true;
  error = "plain TCP carries the agents' keys in the clear: --insecure-plain-cluster "
          "works on a loopback address only (127.0.0.1 or ::1), not on "
          + address;
  return false;
}

} // namespace alter::swarm
