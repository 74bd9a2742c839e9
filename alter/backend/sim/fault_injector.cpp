#include "alter/backend/sim/fault_injector.hpp"

#include <stdexcept>

#include <boost/json.hpp>

namespace alter::backend {

namespace {

constexpr std::pair<fault_kind, std::string_view> kind_names[] = {
    {fault_kind::none, "none"},
    {fault_kind::latency, "latency"},
    {fault_kind::status, "status"},
    {fault_kind::reset_before, "reset_before"},
    {fault_kind::reset_after, "reset_after"},
    {fault_kind::truncate_body, "truncate_body"},
    {fault_kind::slow_body, "slow_body"},
};

} // namespace

std::string_view to_string(fault_kind k) noexcept {
  for (auto [kind, name] : kind_names)
    if (kind == k)
      return name;
  return "none";
}

fault_injector::fault_injector(uint64_t seed)
    : rng_(seed != 0 ? seed : std::random_device{}()) {
}

void fault_injector::set_rules(std::vector<fault_rule> rules) {
  std::lock_guard guard{mtx_};
  rules_ = std::move(rules);
}

void fault_injector::add_rule(fault_rule rule) {
  std::lock_guard guard{mtx_};
  rules_.push_back(std::move(rule));
}

void fault_injector::clear() {
  std::lock_guard guard{mtx_};
  rules_.clear();
  outage_until_ = {};
}

void fault_injector::start_outage(std::chrono::milliseconds duration, bool reset) {
  std::lock_guard guard{mtx_};
  outage_until_ = std::chrono::steady_clock::now() + duration;
  outage_resets_ = reset;
}

void fault_injector::end_outage() {
  std::lock_guard guard{mtx_};
  outage_until_ = {};
}

fault_decision fault_injector::decide(std::string_view path) {
  std::lock_guard guard{mtx_};
  fault_decision d;
  if (std::chrono::steady_clock::now() < outage_until_) {
    d.kind = outage_resets_ ? fault_kind::reset_before : fault_kind::status;
    d.status = 503;
    d.retry_after_seconds = 1;
    ++counts_[d.kind];
    return d;
  }
  auto draw = std::uniform_real_distribution<double>{0.0, 1.0}(rng_);
  double cumulative = 0;
  for (auto& rule : rules_) {
    if (path.substr(0, rule.path_prefix.size()) != rule.path_prefix || rule.limit == 0)
      continue;
    cumulative += rule.probability;
    if (draw >= cumulative)
      continue;
    if (rule.limit > 0)
      --rule.limit;
    d.kind = rule.kind;
    d.status = rule.status;
    d.retry_after_seconds = rule.retry_after_seconds;
    d.delay = rule.delay;
    ++counts_[d.kind];
    return d;
  }
  return d;
}

std::map<fault_kind, int64_t> fault_injector::counts() const {
  std::lock_guard guard{mtx_};
  return counts_;
}

std::vector<fault_rule> fault_injector::parse_rules(std::string_view json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object())
    throw std::invalid_argument("fault rules must be a JSON object");
  const auto* list = v.as_object().if_contains("rules");
  if (list == nullptr || !list->is_array())
    throw std::invalid_argument("fault rules need a \"rules\" array");
  std::vector<fault_rule> out;
  for (const auto& item : list->as_array()) {
    if (!item.is_object())
      throw std::invalid_argument("every fault rule must be an object");
    const auto& o = item.as_object();
    fault_rule r;
    auto kind = o.if_contains("kind");
    if (kind == nullptr || !kind->is_string())
      throw std::invalid_argument("a fault rule needs a \"kind\"");
    bool known = false;
    for (auto [k, name] : kind_names)
      if (kind->as_string() == name) {
        r.kind = k;
        known = true;
      }
    if (!known)
      throw std::invalid_argument("unknown fault kind "
                                  + std::string{kind->as_string()});
    auto number = [&](const char* key, double fallback) {
      const auto* x = o.if_contains(key);
      if (x == nullptr)
        return fallback;
      if (!x->is_number())
        throw std::invalid_argument(std::string{"fault rule field "} + key
                                    + " must be a number");
      return x->to_number<double>();
    };
    if (const auto* p = o.if_contains("path"); p && p->is_string())
      r.path_prefix = std::string{p->as_string()};
    r.probability = number("probability", 1.0);
    if (r.probability < 0 || r.probability > 1)
      throw std::invalid_argument("fault probability must be within 0..1");
    r.status = static_cast<int>(number("status", 503));
    r.retry_after_seconds = static_cast<int>(number("retry_after", 1));
    r.delay = std::chrono::milliseconds{static_cast<int64_t>(number("delay_ms", 0))};
    r.limit = static_cast<int64_t>(number("limit", -1));
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace alter::backend
