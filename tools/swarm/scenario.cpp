#include "tools/swarm/scenario.hpp"

#include <boost/json.hpp>

namespace alter::swarm {

namespace {

namespace json = boost::json;

/// Reads one member into `out`; false with `error` set on a wrong type.
bool read_number(const json::value& v, const std::string& name, double& out,
                 std::string& error) {
  if (!v.is_number()) {
    error = name + " must be a number";
    return false;
  }
  out = v.to_number<double>();
  return true;
}

bool read_count(const json::value& v, const std::string& name, uint64_t& out,
                std::string& error) {
  double d = 0;
  if (!read_number(v, name, d, error))
    return false;
  if (d < 0 || d > 1e9 || d != static_cast<double>(static_cast<uint64_t>(d))) {
    error = name + " must be a whole number from 0 to 1000000000";
    return false;
  }
  out = static_cast<uint64_t>(d);
  return true;
}

bool read_mix(const json::value& v, call_mix_weights& mix, std::string& error) {
  if (!v.is_object()) {
    error = "mix must be an object of weights";
    return false;
  }
  // A mix names every type it wants: the others are off.
  mix = call_mix_weights{0, 0, 0, 0, 0, 0};
  for (const auto& kv : v.get_object()) {
    std::string key{kv.key()};
    unsigned* slot = key == "retrieve"      ? &mix.retrieve
                     : key == "proxy"       ? &mix.proxy
                     : key == "denied"      ? &mix.denied
                     : key == "approval"    ? &mix.approval
                     : key == "constrained" ? &mix.constrained
                     : key == "traced"      ? &mix.traced
                                            : nullptr;
    if (slot == nullptr) {
      error = "mix." + key
              + " is not a call type (retrieve, proxy, denied, "
                "approval, constrained, traced)";
      return false;
    }
    uint64_t w = 0;
    if (!read_count(kv.value(), "mix." + key, w, error))
      return false;
    if (w > 1000) {
      error = "mix." + key + " must be at most 1000";
      return false;
    }
    *slot = static_cast<unsigned>(w);
  }
  return true;
}

} // namespace

std::optional<scenario> parse_scenario(const std::string& json_text,
                                       std::string& error) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;
  auto v = json::parse(json_text, ec, json::storage_ptr(), opts);
  if (ec || !v.is_object()) {
    error = "a scenario is a JSON object" + (ec ? ": " + ec.message() : std::string{});
    return std::nullopt;
  }
  scenario s;
  for (const auto& kv : v.get_object()) {
    std::string key{kv.key()};
    const auto& x = kv.value();
    bool ok = true;
    if (key == "name") {
      ok = x.is_string();
      if (ok)
        s.name = std::string{x.get_string()};
      else
        error = "name must be a string";
    } else if (key == "agents") {
      ok = read_count(x, key, s.agents, error);
    } else if (key == "calls_per_agent") {
      ok = read_count(x, key, s.calls_per_agent, error);
    } else if (key == "duration_seconds") {
      ok = read_number(x, key, s.duration_seconds, error);
    } else if (key == "concurrency") {
      ok = read_count(x, key, s.concurrency, error);
    } else if (key == "per_agent_window") {
      ok = read_count(x, key, s.per_agent_window, error);
    } else if (key == "mix") {
      ok = read_mix(x, s.mix, error);
    } else if (key == "approver_delay_ms") {
      ok = read_number(x, key, s.approver_delay_ms, error);
    } else if (key == "approver_deny_ratio") {
      ok = read_number(x, key, s.approver_deny_ratio, error);
    } else if (key == "fault_profile") {
      ok = x.is_string();
      if (ok)
        s.fault_profile = std::string{x.get_string()};
      else
        error = "fault_profile must be a string";
    } else if (key == "seed") {
      ok = read_count(x, key, s.seed, error);
    } else if (key == "tls") {
      ok = x.is_bool();
      if (ok)
        s.tls = x.get_bool();
      else
        error = "tls must be true or false";
    } else if (key == "oauth_token_ttl_seconds") {
      ok = read_count(x, key, s.oauth_token_ttl_seconds, error);
    } else if (key == "oauth_refresh_buffer_seconds") {
      ok = read_count(x, key, s.oauth_refresh_buffer_seconds, error);
    } else if (key == "oauth_start_expired") {
      ok = x.is_bool();
      if (ok)
        s.oauth_start_expired = x.get_bool();
      else
        error = "oauth_start_expired must be true or false";
    } else if (key == "providers") {
      ok = x.is_array();
      s.providers.clear();
      for (const auto& p : ok ? x.get_array() : json::array{}) {
        if (!p.is_string()) {
          ok = false;
          break;
        }
        s.providers.emplace_back(p.get_string());
      }
      if (!ok)
        error = "providers must be an array of provider ids";
    } else {
      error = "unknown member " + key;
      ok = false;
    }
    if (!ok)
      return std::nullopt;
  }
  error = scenario_problem(s);
  if (!error.empty())
    return std::nullopt;
  return s;
}

std::string scenario_problem(const scenario& s) {
  if (s.agents < 1 || s.agents > 1000000)
    return "agents must be 1 to 1000000";
  if (s.duration_seconds < 0 || s.duration_seconds > 86400)
    return "duration_seconds must be 0 to 86400";
  if (s.duration_seconds == 0 && (s.calls_per_agent < 1 || s.calls_per_agent > 100000))
    return "calls_per_agent must be 1 to 100000";
  if (s.concurrency < 1 || s.concurrency > 100000)
    return "concurrency must be 1 to 100000";
  if (s.per_agent_window < 1 || s.per_agent_window > 1000)
    return "per_agent_window must be 1 to 1000";
  if (s.mix.total() == 0)
    return "mix must give at least one call type a weight";
  if (s.approver_delay_ms < 0 || s.approver_delay_ms > 600000)
    return "approver_delay_ms must be 0 to 600000";
  if (s.approver_deny_ratio < 0 || s.approver_deny_ratio > 1)
    return "approver_deny_ratio must be between 0 and 1";
  if (s.fault_profile != "none" && s.fault_profile != "light"
      && s.fault_profile != "heavy")
    return "fault_profile must be none, light or heavy";
  if (s.providers.empty())
    return "providers must name at least one provider";
  if (s.oauth_token_ttl_seconds < 1 || s.oauth_token_ttl_seconds > 86400)
    return "oauth_token_ttl_seconds must be 1 to 86400";
  if (s.oauth_refresh_buffer_seconds >= s.oauth_token_ttl_seconds)
    return "oauth_refresh_buffer_seconds must be less than oauth_token_ttl_seconds";
  return {};
}

} // namespace alter::swarm
