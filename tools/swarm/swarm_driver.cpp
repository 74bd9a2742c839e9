#include "tools/swarm/swarm_driver.hpp"

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "messages/alter_error.hpp"

// Local messaging only: the report never crosses a process boundary as a message.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(alter::swarm::swarm_report)

namespace alter::swarm {

namespace {

using clock_type = std::chrono::steady_clock;
using run_atom = caf::atom_constant<caf::atom("run")>;
using credit_tick_atom = caf::atom_constant<caf::atom("credittick")>;

struct driver_state {
  swarm_plan plan;
  swarm_report report;
  std::size_t issued = 0;
  std::size_t in_flight = 0;
  /// Calls the driver may have in flight: the concurrency, or, with credit, a
  /// window that starts at the pool's credit, shrinks to what the pool reports
  /// it accepts and halves on a refusal, and grows by one per window of
  /// successes (additive increase, multiplicative decrease).
  std::size_t window = 0;
  std::size_t acked = 0;
  clock_type::time_point last_decrease;
  clock_type::time_point started;
  clock_type::time_point stop_at;
  caf::response_promise done;

  bool more() const {
    if (plan.duration.count() > 0)
      return clock_type::now() < stop_at;
    return issued < plan.agents.size() * plan.calls_per_agent;
  }

  static inline const char* name = "alter.swarm-driver";
};

using driver_pointer = caf::stateful_actor<driver_state>*;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

void issue_next(driver_pointer self);

void complete(driver_pointer self, const char* kind, clock_type::time_point sent,
              const retry_info& retries, const caf::error* err) {
  auto& st = self->state;
  --st.in_flight;
  ++st.report.calls;
  st.report.retries += std::max(0, retries.attempts - 1);
  bool credit_mode = static_cast<bool>(st.plan.transport);
  if (err == nullptr) {
    ++st.report.succeeded;
    st.report.latency[kind].add(ms_since(sent));
    if (credit_mode && ++st.acked >= st.window) {
      st.acked = 0;
      st.window = std::min(st.window + 1, st.plan.concurrency);
    }
  } else {
    auto e = from_caf_error(*err);
    if (credit_mode && e.code == error_code::overloaded
        && clock_type::now() - st.last_decrease >= st.plan.credit_interval) {
      st.window = std::max<std::size_t>(1, st.window / 2);
      st.last_decrease = clock_type::now();
    }
    auto code = std::string{name_of(e.code)};
    ++st.report.errors[code];
    st.report.error_latency[code].add(ms_since(sent));
  }
  while (st.more() && st.in_flight < st.window)
    issue_next(self);
  if (!st.more() && st.in_flight == 0) {
    st.report.seconds
        = std::chrono::duration<double>(clock_type::now() - st.started).count();
    st.done.deliver(st.report);
    self->quit();
  }
}

bool proxied(const swarm_plan& plan, std::size_t k) {
  switch (plan.mix) {
    case call_mix::retrieve_only:
      return false;
    case call_mix::proxy_only:
      return true;
    default:
      return (k / plan.agents.size()) % 2 == 1;
  }
}

void issue_next(driver_pointer self) {
  auto& st = self->state;
  auto k = st.issued++;
  ++st.in_flight;
  const auto n_agents = st.plan.agents.size();
  const auto& agent = st.plan.agents[k % n_agents];
  auto provider = (k / n_agents) % st.plan.provider_urls.size();
  provider_call call;
  call.grant_id = agent.grant_ids[provider];
  call.url = st.plan.provider_urls[provider] + "/" + st.plan.path_tag + "/{item}";
  call.path_params = {{"item", std::to_string(k)}};
  call.query_params = {{"page", "1"}};
  call.reason = "swarm load";
  call.context = {{"call", std::to_string(k)}};
  auto sent = clock_type::now();
  if (proxied(st.plan, k)) {
    call.method = "POST";
    call.json = "{\"n\":" + std::to_string(k) + "}";
    self->request(agent.client, caf::infinite, proxy_atom_v, std::move(call))
        .then(
            [=](proxy_outcome& out) {
              complete(self, "proxy", sent, out.retries, nullptr);
            },
            [=](caf::error& e) {
              complete(self, "proxy", sent, from_caf_error(e).retries, &e);
            });
  } else {
    self->request(agent.client, caf::infinite, request_atom_v, std::move(call))
        .then(
            [=](http_response& res) {
              complete(self, "request", sent, res.retries, nullptr);
            },
            [=](caf::error& e) {
              complete(self, "request", sent, from_caf_error(e).retries, &e);
            });
  }
}

/// Caps the window at what is in flight plus what the pool still accepts; the
/// first answer also opens the window.
void ask_credit(driver_pointer self) {
  auto& st = self->state;
  self->request(st.plan.transport, caf::infinite, credit_atom_v, st.plan.backend)
      .then(
          [=](net::pool_stats& stats) {
            auto& st = self->state;
            auto ceiling
                = st.in_flight
                  + static_cast<std::size_t>(std::max<int64_t>(stats.credit(), 0));
            auto wanted = st.window == 0 ? st.plan.concurrency : st.window;
            st.window = std::max<std::size_t>(
                1, std::min({wanted, ceiling, st.plan.concurrency}));
            while (st.more() && st.in_flight < st.window)
              issue_next(self);
            if (st.more() || st.in_flight > 0)
              self->delayed_send(self, st.plan.credit_interval,
                                 credit_tick_atom::value);
          },
          [=](caf::error&) { self->state.window = self->state.plan.concurrency; });
}

caf::behavior driver(driver_pointer self, swarm_plan plan) {
  self->state.plan = std::move(plan);
  return {
      [=](credit_tick_atom) {
        if (!self->state.done.pending())
          return;
        ask_credit(self);
      },
      [=](run_atom) {
        auto& st = self->state;
        st.done = self->make_response_promise();
        st.report.agents = st.plan.agents.size();
        st.started = clock_type::now();
        st.stop_at = st.started + st.plan.duration;
        if (st.plan.agents.empty() || st.plan.provider_urls.empty() || !st.more()) {
          st.done.deliver(st.report);
          self->quit();
          return st.done;
        }
        if (st.plan.transport) {
          st.window = 0;
          ask_credit(self);
          return st.done;
        }
        st.window = st.plan.concurrency;
        while (st.more() && st.in_flight < st.window)
          issue_next(self);
        return st.done;
      },
  };
}

} // namespace

swarm_report run_swarm(caf::actor_system& sys, swarm_plan plan) {
  auto d = sys.spawn(driver, std::move(plan));
  caf::scoped_actor self{sys};
  swarm_report report;
  self->request(d, caf::infinite, run_atom::value)
      .receive([&](swarm_report& r) { report = std::move(r); },
               [&](caf::error& e) { report.errors["driver: " + caf::to_string(e)]++; });
  return report;
}

} // namespace alter::swarm
