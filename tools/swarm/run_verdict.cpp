#include "tools/swarm/run_verdict.hpp"

namespace alter::swarm {

namespace {

template <class Map>
std::string listed(const Map& m) {
  std::string out;
  for (const auto& [name, n] : m) {
    if (n == 0)
      continue;
    out += out.empty() ? "" : ", ";
    out += name + " " + std::to_string(n);
  }
  return out;
}

} // namespace

run_verdict judge(const swarm_report& r) {
  run_verdict v;
  if (r.calls == 0)
    v.reasons.push_back("no call was made");
  if (r.failed() > 0) {
    auto line = std::to_string(r.failed()) + " of " + std::to_string(r.calls)
                + " calls ended other than the scenario expects";
    if (auto by_kind = listed(r.failures_by_kind); !by_kind.empty())
      line += " (" + by_kind + ")";
    v.reasons.push_back(line);
  }
  if (!r.complete())
    v.reasons.push_back("partial run: " + describe_missing(r));
  if (r.oauth.expired_presentations > 0)
    v.reasons.push_back(std::to_string(r.oauth.expired_presentations)
                        + " expired access tokens reached a provider");
  if (r.oauth.reauth_required > 0)
    v.reasons.push_back(std::to_string(r.oauth.reauth_required)
                        + " OAuth grants needed a new consent");
  v.pass = v.reasons.empty();
  if (v.pass)
    v.reasons.push_back("all " + std::to_string(r.calls)
                        + " calls ended as the scenario expects ("
                        + std::to_string(r.succeeded) + " succeeded, "
                        + std::to_string(r.expected_refusals) + " refused by design)");
  return v;
}

} // namespace alter::swarm
