#include "tools/swarm/swarm_driver.hpp"

#include <deque>
#include <limits>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"

#include "alter/actors/retry_policy.hpp"
#include "alter/messages/alter_error.hpp"

namespace alter::swarm {

namespace {

using clock_type = std::chrono::steady_clock;
using run_atom = caf::atom_constant<caf::atom("run")>;
using credit_tick_atom = caf::atom_constant<caf::atom("credittick")>;
using progress_tick_atom = caf::atom_constant<caf::atom("progress")>;

constexpr std::chrono::milliseconds progress_step{250};

enum class call_type { retrieve, proxy, denied, approval, constrained, traced };

const char* name_of(call_type t) {
  switch (t) {
    case call_type::retrieve:
      return "retrieve";
    case call_type::proxy:
      return "proxy";
    case call_type::denied:
      return "denied";
    case call_type::approval:
      return "approval";
    case call_type::constrained:
      return "constrained";
    default:
      return "traced";
  }
}

/// The call type of call number k: a seeded hash into the weights, so a run is
/// reproducible and types interleave.
call_type pick(const call_mix_weights& w, uint64_t seed, uint64_t k) {
  auto r = static_cast<unsigned>(jitter_rng{seed + k * 0x9E3779B97F4A7C15ULL}()
                                 % w.total());
  const unsigned weights[]
      = {w.retrieve, w.proxy, w.denied, w.approval, w.constrained, w.traced};
  for (int i = 0; i < 6; ++i) {
    if (r < weights[i])
      return static_cast<call_type>(i);
    r -= weights[i];
  }
  return call_type::retrieve;
}

struct driver_state {
  swarm_plan plan;
  swarm_report report;
  std::size_t total = 0;
  std::size_t issued = 0;
  std::size_t in_flight = 0;
  /// Calls the driver may have in flight: the concurrency, or, with credit, a
  /// window that starts at the pool's credit, shrinks to what the pool reports
  /// it accepts and halves on a refusal, and grows by one per window of
  /// successes (additive increase, multiplicative decrease).
  std::size_t window = 0;
  std::size_t acked = 0;
  /// Per agent: calls not issued yet, and its places in `ready` (at most its
  /// window minus its calls in flight).
  std::vector<uint32_t> unissued;
  std::vector<uint16_t> queued;
  std::deque<uint32_t> ready;
  clock_type::time_point last_decrease;
  clock_type::time_point started;
  clock_type::time_point stop_at;
  clock_type::time_point last_line;
  std::size_t calls_at_last_line = 0;
  caf::response_promise done;

  bool timed() const {
    return plan.duration.count() > 0;
  }

  bool may_issue() const {
    return !ready.empty() && in_flight < window
           && (timed() ? clock_type::now() < stop_at : issued < total);
  }

  bool finished() const {
    return in_flight == 0 && (timed() ? clock_type::now() >= stop_at : issued >= total);
  }

  static inline const char* name = "alter.swarm-driver";
};

using driver_pointer = caf::stateful_actor<driver_state>*;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

void issue_next(driver_pointer self);
void finish_run(driver_pointer self);

void pump(driver_pointer self) {
  while (self->state.may_issue())
    issue_next(self);
  if (self->state.finished())
    finish_run(self);
}

/// How one call ended.
struct call_end {
  uint32_t agent;
  call_type type;
  clock_type::time_point sent;
  retry_info retries;
  /// Empty on success.
  std::string error_code;
  /// For approval calls: executed, denied, expired, failed, timeout, not_held.
  std::string approval;
};

bool expected_refusal(const call_end& c) {
  return (c.type == call_type::denied && c.error_code == "policy_denied")
         || (c.type == call_type::approval && c.error_code == "approval_denied");
}

void complete(driver_pointer self, const call_end& c) {
  auto& st = self->state;
  auto& r = st.report;
  --st.in_flight;
  if (st.unissued[c.agent] > st.queued[c.agent]) {
    st.ready.push_back(c.agent);
    ++st.queued[c.agent];
  }
  ++r.calls;
  ++r.calls_by_kind[name_of(c.type)];
  r.retries += static_cast<std::size_t>(std::max(0, c.retries.attempts - 1));
  if (!c.approval.empty())
    ++r.approvals[c.approval];
  auto step = std::chrono::duration<double>(clock_type::now() - st.started).count()
              / r.timeline_step_seconds;
  auto slot = static_cast<std::size_t>(std::max(0.0, step));
  if (slot >= r.timeline.size())
    r.timeline.resize(slot + 1);
  ++r.timeline[slot];
  bool credit_mode = static_cast<bool>(st.plan.transport);
  if (c.error_code.empty()) {
    ++r.succeeded;
    r.latency[name_of(c.type)].add(ms_since(c.sent));
    if (credit_mode && ++st.acked >= st.window) {
      st.acked = 0;
      st.window = std::min(st.window + 1, st.plan.concurrency);
    }
  } else {
    if (expected_refusal(c)) {
      ++r.expected_refusals;
      r.latency[name_of(c.type)].add(ms_since(c.sent));
    } else {
      ++r.failures_by_kind[name_of(c.type)];
    }
    if (credit_mode && c.error_code == "overloaded"
        && clock_type::now() - st.last_decrease >= st.plan.credit_interval) {
      st.window = std::max<std::size_t>(1, st.window / 2);
      st.last_decrease = clock_type::now();
    }
    ++r.errors[c.error_code];
    r.error_latency[c.error_code].add(ms_since(c.sent));
  }
  pump(self);
}

/// Completion callbacks of one call.
struct call_context {
  driver_pointer self;
  call_end end;

  void ok(const retry_info& retries, std::string approval = {}) {
    end.retries = retries;
    end.approval = std::move(approval);
    complete(self, end);
  }

  void failed(const caf::error& err, std::string approval = {}) {
    auto e = from_caf_error(err);
    end.retries = e.retries;
    end.error_code = std::string{alter::name_of(e.code)};
    end.approval = std::move(approval);
    complete(self, end);
  }

  /// A call that answered, but not the way its type expects.
  void unexpected(const char* code, std::string approval = {}) {
    end.error_code = code;
    end.approval = std::move(approval);
    complete(self, end);
  }
};

std::string approval_outcome_of(const caf::error& err) {
  switch (from_caf_error(err).code) {
    case error_code::approval_denied:
      return "denied";
    case error_code::approval_expired:
      return "expired";
    case error_code::approval_execution_failed:
      return "failed";
    case error_code::approval_timeout:
      return "timeout";
    default:
      return "error";
  }
}

void await_decision(call_context ctx, const agent_actor& client,
                    const pending_approval& pending) {
  auto self = ctx.self;
  const auto& plan = self->state.plan;
  // The approver decides on the page; its own failures show as expired or
  // timed-out approvals.
  self->request(plan.approver, caf::infinite, decide_atom::value, pending.approval_id)
      .then([](bool) {}, [](caf::error&) {});
  self->request(client, caf::infinite, await_approval_atom_v, pending.approval_id,
                approval_wait{plan.approval_timeout_seconds, 2.0})
      .then(
          [=](proxy_result&) mutable { ctx.ok({}, "executed"); },
          [=](caf::error& err) mutable { ctx.failed(err, approval_outcome_of(err)); });
}

/// Sends `call` through a sub-client made by `make` (constrain or trace), then
/// lets the sub-client go.
template <class... Ts>
void through_sub_client(call_context ctx, const agent_actor& client, provider_call call,
                        Ts... make) {
  auto self = ctx.self;
  self->request(client, caf::infinite, make...)
      .then(
          [=](caf::actor& sub) mutable {
            auto typed = caf::actor_cast<agent_actor>(sub);
            self->request(typed, caf::infinite, request_atom_v, std::move(call))
                .then(
                    [=](http_response& res) mutable {
                      caf::anon_send_exit(sub, caf::exit_reason::user_shutdown);
                      ctx.ok(res.retries);
                    },
                    [=](caf::error& err) mutable {
                      caf::anon_send_exit(sub, caf::exit_reason::user_shutdown);
                      ctx.failed(err);
                    });
          },
          [=](caf::error& err) mutable { ctx.failed(err); });
}

/// Providers take turns among the calls that are not about policy.
std::size_t ungoverned_provider(const swarm_plan& plan, std::size_t k) {
  auto n = plan.provider_urls.size();
  bool governed = plan.governed_provider < n;
  auto turn = (k / plan.agents.size()) % (governed ? n - 1 : n);
  return governed && turn >= plan.governed_provider ? turn + 1 : turn;
}

void issue_next(driver_pointer self) {
  auto& st = self->state;
  auto a = st.ready.front();
  st.ready.pop_front();
  --st.queued[a];
  --st.unissued[a];
  auto k = st.issued++;
  ++st.in_flight;
  const auto& agent = st.plan.agents[a];
  auto type = pick(st.plan.mix, st.plan.seed, k);
  auto provider = ungoverned_provider(st.plan, k);
  if (type == call_type::denied || type == call_type::approval)
    provider = st.plan.governed_provider;
  call_context ctx{self, {a, type, clock_type::now(), {}, {}, {}}};
  provider_call call;
  call.grant_id = agent.grant_ids[provider];
  call.url = st.plan.provider_urls[provider] + "/" + st.plan.path_tag + "/{item}";
  call.path_params = {{"item", std::to_string(k)}};
  call.query_params = {{"page", "1"}};
  call.reason = std::string{"swarm "} + name_of(type);
  call.context = {{"call", std::to_string(k)}};
  auto proxied = [&](const char* method, auto on_outcome) {
    call.method = method;
    call.json = "{\"n\":" + std::to_string(k) + "}";
    self->request(agent.client, caf::infinite, proxy_atom_v, std::move(call))
        .then(on_outcome, [=](caf::error& err) mutable { ctx.failed(err); });
  };
  switch (type) {
    case call_type::retrieve:
      self->request(agent.client, caf::infinite, request_atom_v, std::move(call))
          .then([=](http_response& res) mutable { ctx.ok(res.retries); },
                [=](caf::error& err) mutable { ctx.failed(err); });
      break;
    case call_type::proxy:
      proxied("POST", [=](proxy_outcome& out) mutable { ctx.ok(out.retries); });
      break;
    case call_type::denied:
      proxied("DELETE", [=](proxy_outcome&) mutable { ctx.unexpected("not_denied"); });
      break;
    case call_type::approval: {
      auto client = agent.client;
      proxied("PUT", [=](proxy_outcome& out) mutable {
        if (!out.pending)
          return ctx.unexpected("not_held", "not_held");
        await_decision(ctx, client, out.approval);
      });
      break;
    }
    case call_type::constrained: {
      constraints c;
      c.scopes = {"tokens:retrieve"};
      through_sub_client(ctx, agent.client, std::move(call), constrain_atom_v, c);
      break;
    }
    case call_type::traced: {
      trace_fields t{"swarm-" + std::to_string(st.plan.seed),
                     "agent-" + std::to_string(a),
                     "call-" + std::to_string(k),
                     {{"scenario", st.plan.scenario}},
                     {}};
      through_sub_client(ctx, agent.client, std::move(call), trace_atom_v, t);
      break;
    }
  }
}

void print_progress(driver_pointer self, bool final_line) {
  auto& st = self->state;
  if (st.plan.progress == nullptr)
    return;
  auto now = clock_type::now();
  auto since = std::chrono::duration<double>(now - st.last_line).count();
  if (!final_line && !st.plan.progress_tty && since < 5.0)
    return;
  const auto& r = st.report;
  auto rate
      = since > 0 ? static_cast<double>(r.calls - st.calls_at_last_line) / since : 0;
  char line[200];
  std::snprintf(
      line, sizeof(line),
      "%s%zu/%s calls  %.0f calls/s  %zu failed  %zu refused as expected  %zu "
      "in flight",
      st.plan.progress_tty ? "\r" : "alter-swarm: ", r.calls,
      st.timed() ? "~" : std::to_string(st.total).c_str(), rate, r.failed(),
      r.expected_refusals, st.in_flight);
  *st.plan.progress << line << (st.plan.progress_tty ? "   " : "\n");
  if (final_line && st.plan.progress_tty)
    *st.plan.progress << "\n";
  st.plan.progress->flush();
  st.last_line = now;
  st.calls_at_last_line = r.calls;
}

void report_progress(driver_pointer self) {
  auto& st = self->state;
  if (!st.plan.on_progress)
    return;
  const auto& r = st.report;
  st.plan.on_progress({r.calls, r.failed(), r.expected_refusals, st.in_flight});
}

void sample_budget(driver_pointer self) {
  auto& st = self->state;
  if (st.plan.budget)
    st.report.budget_min = std::min(st.report.budget_min, st.plan.budget->tokens());
}

void finish_run(driver_pointer self) {
  auto& st = self->state;
  if (!st.done.pending())
    return;
  st.report.seconds
      = std::chrono::duration<double>(clock_type::now() - st.started).count();
  sample_budget(self);
  if (st.plan.budget)
    st.report.budget_end = st.plan.budget->tokens();
  st.report.peak_rss_kib = peak_rss_kib();
  print_progress(self, true);
  report_progress(self);
  st.done.deliver(st.report);
  self->quit();
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
            pump(self);
            if (st.done.pending())
              self->delayed_send(self, st.plan.credit_interval,
                                 credit_tick_atom::value);
          },
          [=](caf::error&) {
            self->state.window = self->state.plan.concurrency;
            pump(self);
          });
}

caf::behavior driver(driver_pointer self, swarm_plan plan) {
  self->state.plan = std::move(plan);
  return {
      [=](credit_tick_atom) {
        if (self->state.done.pending())
          ask_credit(self);
      },
      [=](progress_tick_atom) {
        if (!self->state.done.pending())
          return;
        sample_budget(self);
        print_progress(self, false);
        report_progress(self);
        // A timed run ends on the clock even when no call completes.
        pump(self);
        self->delayed_send(self, progress_step, progress_tick_atom::value);
      },
      [=](run_atom) {
        auto& st = self->state;
        st.done = self->make_response_promise();
        auto& r = st.report;
        r.scenario = st.plan.scenario;
        r.agents = st.plan.agents.size();
        r.timeline_step_seconds = std::chrono::duration<double>(progress_step).count();
        st.started = st.last_line = clock_type::now();
        st.stop_at = st.started + st.plan.duration;
        if (st.plan.budget)
          r.budget_start = r.budget_min = r.budget_end = st.plan.budget->tokens();
        auto n = st.plan.agents.size();
        if (n == 0 || st.plan.provider_urls.empty() || st.plan.mix.total() == 0
            || (!st.timed() && st.plan.calls_per_agent == 0)) {
          finish_run(self);
          return st.done;
        }
        if (!st.plan.approver
            || st.plan.governed_provider >= st.plan.provider_urls.size())
          st.plan.mix.approval = 0;
        if (st.plan.governed_provider >= st.plan.provider_urls.size())
          st.plan.mix.denied = 0;
        if (st.plan.governed_provider < st.plan.provider_urls.size()
            && st.plan.provider_urls.size() == 1)
          st.plan.mix.retrieve = st.plan.mix.proxy = st.plan.mix.constrained
              = st.plan.mix.traced = 0;
        if (st.plan.mix.total() == 0) {
          finish_run(self);
          return st.done;
        }
        auto per_agent = st.timed() ? std::numeric_limits<uint32_t>::max()
                                    : static_cast<uint32_t>(st.plan.calls_per_agent);
        st.total = st.timed() ? 0 : n * st.plan.calls_per_agent;
        st.unissued.assign(n, per_agent);
        st.queued.assign(n, 0);
        auto slots = std::min<std::size_t>(st.plan.per_agent_window, per_agent);
        for (std::size_t s = 0; s < slots; ++s)
          for (uint32_t a = 0; a < n; ++a) {
            st.ready.push_back(a);
            ++st.queued[a];
          }
        self->delayed_send(self, progress_step, progress_tick_atom::value);
        if (st.plan.transport) {
          st.window = 0;
          ask_credit(self);
          return st.done;
        }
        st.window = st.plan.concurrency;
        pump(self);
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
