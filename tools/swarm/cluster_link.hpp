// How coordinator and workers talk: BASP over mutually authenticated TLS by
// default; plain TCP only when asked and only on loopback, where the peers are
// processes of this machine.
#pragma once

#include <string>

namespace alter::swarm {

enum class cluster_link {
  /// caf::openssl with certificates of the cluster's own CA on both sides.
  mutual_tls,
  /// caf::io in the clear (--insecure-plain-cluster): loopback only.
  insecure_plain,
};

/// False and `error` when `link` may not be used towards or on `address`.
bool link_allowed(cluster_link link, const std::string& address, std::string& error);

} // namespace alter::swarm
