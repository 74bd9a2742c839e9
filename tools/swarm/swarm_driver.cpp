#include "tools/swarm/swarm_driver.hpp"

#include <chrono>

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

struct driver_state {
  swarm_plan plan;
  swarm_report report;
  std::size_t total = 0;
  std::size_t issued = 0;
  std::size_t finished = 0;
  clock_type::time_point started;
  caf::response_promise done;

  static inline const char* name = "alter.swarm-driver";
};

using driver_pointer = caf::stateful_actor<driver_state>*;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

void issue_next(driver_pointer self);

void complete(driver_pointer self, const char* kind, clock_type::time_point sent,
              const caf::error* err) {
  auto& st = self->state;
  st.report.latency[kind].add(ms_since(sent));
  if (err == nullptr)
    ++st.report.succeeded;
  else
    ++st.report.errors[std::string{name_of(from_caf_error(*err).code)}];
  if (++st.finished == st.total) {
    st.report.seconds
        = std::chrono::duration<double>(clock_type::now() - st.started).count();
    st.done.deliver(st.report);
    self->quit();
    return;
  }
  issue_next(self);
}

void issue_next(driver_pointer self) {
  auto& st = self->state;
  if (st.issued == st.total)
    return;
  auto k = st.issued++;
  const auto n_agents = st.plan.agents.size();
  const auto& agent = st.plan.agents[k % n_agents];
  auto provider = (k / n_agents) % st.plan.provider_urls.size();
  bool proxied = (k / n_agents) % 2 == 1;
  provider_call call;
  call.grant_id = agent.grant_ids[provider];
  call.url = st.plan.provider_urls[provider] + "/v1/items/{item}";
  call.path_params = {{"item", std::to_string(k)}};
  call.query_params = {{"page", "1"}};
  call.reason = "swarm load";
  call.context = {{"call", std::to_string(k)}};
  auto sent = clock_type::now();
  if (proxied) {
    call.method = "POST";
    call.json = "{\"n\":" + std::to_string(k) + "}";
    self->request(agent.client, caf::infinite, proxy_atom_v, std::move(call))
        .then([=](proxy_outcome&) { complete(self, "proxy", sent, nullptr); },
              [=](caf::error& e) { complete(self, "proxy", sent, &e); });
  } else {
    self->request(agent.client, caf::infinite, request_atom_v, std::move(call))
        .then([=](http_response&) { complete(self, "request", sent, nullptr); },
              [=](caf::error& e) { complete(self, "request", sent, &e); });
  }
}

caf::behavior driver(driver_pointer self, swarm_plan plan) {
  self->state.plan = std::move(plan);
  return {
      [=](run_atom) {
        auto& st = self->state;
        st.done = self->make_response_promise();
        st.report.agents = st.plan.agents.size();
        st.total = st.plan.agents.size() * st.plan.calls_per_agent;
        st.report.calls = st.total;
        st.started = clock_type::now();
        if (st.total == 0) {
          st.done.deliver(st.report);
          self->quit();
          return st.done;
        }
        for (std::size_t i = 0; i < st.plan.concurrency && i < st.total; ++i)
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
