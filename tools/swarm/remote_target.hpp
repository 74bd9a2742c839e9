// A deployment the swarm did not start (alter-swarm --target URL): its agents
// and their grants are made through the API with an app key before the run and
// removed after it. The deployment's stored rules are never changed, so the
// call types that need the swarm's rules (denied, approval) are left out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tools/swarm/scenario.hpp"
#include "tools/swarm/swarm_target.hpp"

namespace alter::swarm {

struct remote_target_options {
  std::string base_url;
  /// The app key the swarm provisions with (ALTER_API_KEY).
  std::string app_key;
  /// The backend's CA certificate (PEM) for an https:// URL; empty: the system's.
  std::string ca_pem;
  /// Where the providers' APIs are: each provider at <providers_url>/<provider id>
  /// (the layout of alter-local's simulated providers).
  std::string providers_url;
};

/// The agents and grants made for one run; removed (the grants revoked, the
/// agents with their keys revoked) when it is destroyed or by remove().
class remote_target {
public:
  /// Makes `s.agents` agents, each with a grant of every managed secret the
  /// app's grants use (one per provider). Throws with what went wrong.
  remote_target(const scenario& s, const remote_target_options& options);
  ~remote_target();
  remote_target(const remote_target&) = delete;
  remote_target& operator=(const remote_target&) = delete;

  /// What the drivers run against.
  const swarm_target& target() const noexcept {
    return target_;
  }

  /// The providers the agents got grants for.
  const std::vector<std::string>& providers() const noexcept {
    return providers_;
  }

  /// Revokes the grants and removes the agents; how many of each it removed.
  std::pair<std::size_t, std::size_t> remove();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  swarm_target target_;
  std::vector<std::string> providers_;
};

} // namespace alter::swarm
