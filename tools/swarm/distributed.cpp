#include "tools/swarm/distributed.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <tuple>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"

#include "tools/swarm/cluster_credentials.hpp"

namespace alter::swarm {

namespace {

using join_atom = caf::atom_constant<caf::atom("join")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using wait_atom = caf::atom_constant<caf::atom("wait")>;
using join_deadline_atom = caf::atom_constant<caf::atom("joinDue")>;
using ask_atom = caf::atom_constant<caf::atom("ask")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using show_atom = caf::atom_constant<caf::atom("show")>;

/// How often a worker tells the coordinator where it stands, and how often a
/// coordinator off a terminal prints the cluster's line.
constexpr std::chrono::seconds worker_progress_step{1};
constexpr std::chrono::seconds plain_line_step{5};
constexpr std::chrono::milliseconds tty_line_step{500};

/// Every type that crosses the wire, in both processes, and the link.
void configure(caf::actor_system_config& cfg, const cluster_options& opts,
               const cluster_member_files* tls) {
  cfg.add_message_type<scenario>("alter.swarm.scenario");
  cfg.add_message_type<swarm_target>("alter.swarm.target");
  cfg.add_message_type<swarm_report>("alter.swarm.report");
  cfg.add_message_type<progress_snapshot>("alter.swarm.progress");
  cfg.load<caf::io::middleman>();
  if (tls != nullptr) {
    cfg.load<caf::openssl::manager>();
    // With any of these set, CAF 0.17's sessions set SSL_VERIFY_PEER |
    // SSL_VERIFY_FAIL_IF_NO_PEER_CERT on both ends and trust the cafile only
    // (no system CAs): a peer without a certificate of this run's cluster CA
    // fails the TLS handshake before a byte of BASP is read.
    cfg.openssl_certificate = tls->certificate;
    cfg.openssl_key = tls->key;
    cfg.openssl_cafile = tls->ca;
  }
  cfg.set("middleman.heartbeat-interval", caf::timespan{opts.heartbeat_interval});
  cfg.set("middleman.connection-timeout", caf::timespan{opts.silence_timeout});
  cfg.set("logger.console", caf::atom("none"));
}

caf::error refusal(std::string why) {
  return caf::make_error(caf::sec::runtime_error, std::move(why));
}

enum class slot_phase {
  /// Joined; waits for the others.
  waiting,
  /// Has its share and drives it.
  running,
  /// outcome.fate says how it ended.
  ended,
};

struct worker_slot {
  caf::actor_addr peer;
  caf::response_promise start;
  slot_phase phase = slot_phase::waiting;
  worker_outcome outcome;
  /// What the worker last said of its share (its report, once it reported).
  progress_snapshot progress;
};

struct coordinator_state {
  scenario plan;
  swarm_target target;
  std::size_t workers = 0;
  std::chrono::seconds join_timeout{0};
  std::vector<worker_slot> slots;
  bool started = false;
  swarm_report merged;
  /// Set once every worker has reported or is gone.
  std::optional<swarm_report> final;
  caf::response_promise done;
  /// The cluster's live line (nullptr: none).
  std::ostream* progress = nullptr;
  bool progress_tty = false;
  std::chrono::steady_clock::time_point started_at;
  std::chrono::steady_clock::time_point last_line;
  uint64_t calls_at_last_line = 0;

  static inline const char* name = "alter.swarm-coordinator";
};

using coordinator_actor = caf::stateful_actor<coordinator_state>;

worker_slot* find_slot(coordinator_actor* self, const caf::actor_addr& peer) {
  for (auto& slot : self->state.slots)
    if (slot.peer == peer)
      return &slot;
  return nullptr;
}

/// The whole cluster's line: the workers by state and their shares' counts
/// summed (saturating: a worker's figures are shown, never trusted).
void show_progress(coordinator_actor* self, bool last) {
  auto& st = self->state;
  if (st.progress == nullptr)
    return;
  auto add
      = [](uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; };
  progress_snapshot sum;
  std::size_t running = 0;
  std::size_t reported = 0;
  std::size_t lost = 0;
  for (const auto& slot : st.slots) {
    sum.calls = add(sum.calls, slot.progress.calls);
    sum.failed = add(sum.failed, slot.progress.failed);
    sum.expected_refusals = add(sum.expected_refusals, slot.progress.expected_refusals);
    sum.in_flight = add(sum.in_flight, slot.progress.in_flight);
    running += slot.phase == slot_phase::running ? 1 : 0;
    reported += slot.outcome.fate == worker_fate::reported ? 1 : 0;
    lost += slot.outcome.fate == worker_fate::lost ? 1 : 0;
  }
  auto now = std::chrono::steady_clock::now();
  auto since = std::chrono::duration<double>(now - st.last_line).count();
  auto rate = since > 0 && sum.calls >= st.calls_at_last_line
                  ? static_cast<double>(sum.calls - st.calls_at_last_line) / since
                  : 0.0;
  auto planned = st.plan.duration_seconds > 0
                     ? std::string{"~"}
                     : std::to_string(st.plan.agents * st.plan.calls_per_agent);
  char line[300];
  std::snprintf(
      line, sizeof(line),
      "%scluster: %zu running, %zu reported, %zu lost of %zu workers; "
      "%llu of %s calls  %.0f calls/s  %llu failed  %llu refused as expected  "
      "%llu in flight",
      st.progress_tty ? "\r" : "alter-swarm: ", running, reported, lost, st.workers,
      static_cast<unsigned long long>(sum.calls), planned.c_str(), rate,
      static_cast<unsigned long long>(sum.failed),
      static_cast<unsigned long long>(sum.expected_refusals),
      static_cast<unsigned long long>(sum.in_flight));
  *st.progress << line << (st.progress_tty && !last ? "   " : "\n");
  st.progress->flush();
  st.last_line = now;
  st.calls_at_last_line = sum.calls;
}

/// Closes the run: the merged counts and what became of every worker.
void finish(coordinator_actor* self) {
  auto& st = self->state;
  auto out = st.merged;
  out.workers = st.workers;
  out.calls_planned
      = st.plan.duration_seconds > 0 ? 0 : st.plan.agents * st.plan.calls_per_agent;
  for (const auto& slot : st.slots)
    out.cluster.push_back(slot.outcome);
  if (st.started)
    show_progress(self, true);
  st.final = std::move(out);
  if (st.done.pending())
    st.done.deliver(*st.final);
}

void finish_if_all_ended(coordinator_actor* self) {
  auto& slots = self->state.slots;
  if (std::all_of(slots.begin(), slots.end(),
                  [](const auto& s) { return s.phase == slot_phase::ended; }))
    finish(self);
}

/// Hands every worker its share once all have joined: agents split evenly,
/// each worker with a window proportional to its share.
void hand_out(coordinator_actor* self) {
  auto& st = self->state;
  st.started = true;
  auto n = st.target.agents.size();
  for (std::size_t w = 0; w < st.workers; ++w) {
    auto begin = n * w / st.workers;
    auto end = n * (w + 1) / st.workers;
    swarm_target share = st.target;
    share.agents.assign(st.target.agents.begin() + static_cast<std::ptrdiff_t>(begin),
                        st.target.agents.begin() + static_cast<std::ptrdiff_t>(end));
    auto part = st.plan;
    part.agents = end - begin;
    part.concurrency = std::max<uint64_t>(1, st.plan.concurrency / st.workers);
    part.seed = st.plan.seed + w;
    auto& slot = st.slots[w];
    slot.phase = slot_phase::running;
    slot.outcome.agents = end - begin;
    slot.start.deliver(part, share);
  }
  st.started_at = st.last_line = std::chrono::steady_clock::now();
  if (st.progress != nullptr)
    self->delayed_send(self, st.progress_tty ? tty_line_step : plain_line_step,
                       show_atom::value);
}

/// The join timeout passed with places still free: nothing was handed out, so
/// the waiting workers are sent home and the run ends with nothing counted.
void call_off(coordinator_actor* self) {
  auto& st = self->state;
  auto why = std::to_string(st.slots.size()) + " of " + std::to_string(st.workers)
             + " workers joined within the " + std::to_string(st.join_timeout.count())
             + " s join timeout";
  for (auto& slot : st.slots) {
    slot.start.deliver(refusal("the run was called off: " + why));
    slot.phase = slot_phase::ended;
    slot.outcome.fate = worker_fate::called_off;
    slot.outcome.reason = why;
  }
  for (auto i = st.slots.size(); i < st.workers; ++i) {
    worker_slot missing;
    missing.phase = slot_phase::ended;
    missing.outcome.index = i + 1;
    missing.outcome.fate = worker_fate::never_joined;
    missing.outcome.reason = why;
    st.slots.push_back(std::move(missing));
  }
  finish(self);
}

caf::behavior coordinator(coordinator_actor* self, scenario plan, swarm_target target,
                          std::size_t workers, std::chrono::seconds join_timeout,
                          std::ostream* progress, bool progress_tty) {
  auto& st = self->state;
  st.progress = progress;
  st.progress_tty = progress_tty;
  st.plan = std::move(plan);
  st.target = std::move(target);
  st.workers = workers;
  st.join_timeout = join_timeout;
  st.merged.scenario = st.plan.name;
  st.merged.workers = workers;
  st.merged.budget_min = 0;
  self->delayed_send(self, join_timeout, join_deadline_atom::value);
  // A worker's link closing (kill, crash, or silence past the connection
  // timeout) kills its proxy, and the monitor says so.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto* slot = find_slot(self, dm.source);
    if (slot == nullptr || slot->phase == slot_phase::ended)
      return;
    if (slot->phase == slot_phase::waiting) {
      // Gone before the start: its place is free for another worker.
      st.slots.erase(st.slots.begin() + (slot - st.slots.data()));
      for (std::size_t i = 0; i < st.slots.size(); ++i)
        st.slots[i].outcome.index = i + 1;
      return;
    }
    slot->phase = slot_phase::ended;
    slot->outcome.fate = worker_fate::lost;
    slot->outcome.reason = "its link ended: " + self->system().render(dm.reason);
    finish_if_all_ended(self);
  });
  return {
      // `worker` lives as long as the worker's session: the monitor on it
      // says when that process or its link is gone.
      [=](join_atom, const caf::actor& worker) {
        auto& st = self->state;
        // Every worker holds the same certificate: a peer may only join for an
        // actor of its own node, once per node (read before the promise, which
        // takes the sender out of the message).
        auto sender = self->current_sender();
        bool foreign = !worker || !sender || sender->node() != worker.node();
        auto node = worker ? to_string(worker.node()) : std::string{};
        bool node_joined
            = std::any_of(st.slots.begin(), st.slots.end(),
                          [&](const worker_slot& s) { return s.outcome.node == node; });
        auto rp = self->make_response_promise();
        if (foreign) {
          rp.deliver(refusal("a worker joins for itself only"));
          return rp;
        }
        if (st.started || st.final || st.slots.size() >= st.workers || node_joined
            || find_slot(self, worker.address()) != nullptr) {
          rp.deliver(refusal("the cluster has all its workers"));
          return rp;
        }
        self->monitor(worker);
        worker_slot slot;
        slot.peer = worker.address();
        slot.start = rp;
        slot.outcome.index = st.slots.size() + 1;
        slot.outcome.node = to_string(worker.node());
        st.slots.push_back(std::move(slot));
        if (st.slots.size() == st.workers)
          hand_out(self);
        return rp;
      },
      [=](result_atom, const caf::actor& worker,
          const swarm_report& part) -> caf::result<bool> {
        auto& st = self->state;
        auto sender = self->current_sender();
        if (!sender || !worker || sender->node() != worker.node())
          return refusal("a worker reports for itself only");
        auto* slot = find_slot(self, worker.address());
        if (slot == nullptr || slot->phase != slot_phase::running)
          return refusal("no share of this run was handed to the sender");
        auto workers_before = st.merged.workers;
        merge(st.merged, part);
        st.merged.workers = workers_before;
        slot->phase = slot_phase::ended;
        slot->outcome.fate = worker_fate::reported;
        slot->outcome.calls_counted = part.calls;
        slot->progress = {part.calls, part.failed(), part.expected_refusals, 0};
        finish_if_all_ended(self);
        return true;
      },
      // Where a running worker stands; from anyone else, nothing.
      [=](progress_atom, const caf::actor& worker, const progress_snapshot& p) {
        auto sender = self->current_sender();
        if (!sender || !worker || sender->node() != worker.node())
          return;
        auto* slot = find_slot(self, worker.address());
        if (slot != nullptr && slot->phase == slot_phase::running)
          slot->progress = p;
      },
      [=](show_atom) {
        auto& st = self->state;
        if (st.final)
          return;
        show_progress(self, false);
        self->delayed_send(self, st.progress_tty ? tty_line_step : plain_line_step,
                           show_atom::value);
      },
      [=](join_deadline_atom) {
        if (!self->state.started && !self->state.final)
          call_off(self);
      },
      [=](wait_atom) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (st.final)
          rp.deliver(*st.final);
        else
          st.done = rp;
        return rp;
      },
  };
}

/// The coordinator's answer to `request...`, or nullopt and `error` when it
/// refuses, does not answer within `timeout`, or its link ends first (a request
/// alone would wait out its timeout once the coordinator is gone: CAF fails no
/// pending request when a proxy dies, but tells its monitors).
template <class... Answer, class... Request>
std::optional<std::tuple<Answer...>>
ask(caf::actor_system& sys, const caf::actor& coord, std::chrono::seconds timeout,
    std::string& error, Request... request) {
  struct pending {
    caf::response_promise answer;
    std::optional<std::string> gone;
  };
  // The coordinator travels as a spawn argument: CAF 0.17 binds a reference to
  // a null tuple for a function actor without arguments (UBSan reports it).
  auto helper = sys.spawn(
      [=](caf::event_based_actor* h, const caf::actor& coord) -> caf::behavior {
        auto st = std::make_shared<pending>();
        h->monitor(coord);
        h->set_down_handler([=](caf::down_msg& dm) {
          st->gone = "the coordinator's link ended: " + h->system().render(dm.reason);
          if (st->answer.pending()) {
            st->answer.deliver(refusal(*st->gone));
            h->quit();
          }
        });
        return {[=](ask_atom) {
          st->answer = h->make_response_promise();
          if (st->gone) {
            st->answer.deliver(refusal(*st->gone));
            h->quit();
            return st->answer;
          }
          h->request(coord, timeout, request...)
              .then(
                  [=](Answer&... a) {
                    st->answer.deliver(std::move(a)...);
                    h->quit();
                  },
                  [=](caf::error& e) {
                    st->answer.deliver(std::move(e));
                    h->quit();
                  });
          return st->answer;
        }};
      },
      coord);
  caf::scoped_actor self{sys};
  std::optional<std::tuple<Answer...>> out;
  self->request(helper, caf::infinite, ask_atom::value)
      .receive([&](Answer&... a) { out.emplace(std::move(a)...); },
               [&](caf::error& e) { error = sys.render(e); });
  return out;
}

} // namespace

std::optional<swarm_report> coordinate(const scenario& s, const swarm_target& target,
                                       std::size_t workers, const cluster_options& opts,
                                       const std::function<void(uint16_t)>& listening,
                                       std::string& error, std::ostream* progress,
                                       bool progress_tty) {
  if (!link_allowed(opts.link, opts.address, error))
    return std::nullopt;
  std::optional<cluster_member_files> tls;
  if (opts.link == cluster_link::mutual_tls) {
    tls = issue_cluster_credentials(opts.credentials_dir, error);
    if (!tls)
      return std::nullopt;
  }
  caf::actor_system_config cfg;
  configure(cfg, opts, tls ? &*tls : nullptr);
  caf::actor_system sys{cfg};
  auto coord = sys.spawn(coordinator, s, target, workers, opts.join_timeout, progress,
                         progress_tty);
  auto port
      = tls ? caf::openssl::publish(coord, opts.port, opts.address.c_str(), true)
            : sys.middleman().publish(coord, opts.port, opts.address.c_str(), true);
  if (!port) {
    error = "cannot listen on " + opts.address + ": " + sys.render(port.error());
    caf::anon_send_exit(coord, caf::exit_reason::user_shutdown);
    return std::nullopt;
  }
  listening(*port);
  caf::scoped_actor self{sys};
  std::optional<swarm_report> out;
  // No time limit of its own: the join timeout bounds the start, and every
  // started worker either reports or loses its link (closed, or silent past
  // the connection timeout).
  self->request(coord, caf::infinite, wait_atom::value)
      .receive([&](swarm_report& r) { out = std::move(r); },
               [&](caf::error& e) { error = "the cluster failed: " + sys.render(e); });
  caf::anon_send_exit(coord, caf::exit_reason::user_shutdown);
  if (out && !out->complete())
    error = "the run is incomplete: " + describe_missing(*out);
  return out;
}

bool work(const std::string& host, uint16_t port, const cluster_options& opts,
          std::string& error) {
  if (!link_allowed(opts.link, host, error))
    return false;
  std::optional<cluster_member_files> tls;
  if (opts.link == cluster_link::mutual_tls) {
    tls = load_worker_credentials(opts.credentials_dir, error);
    if (!tls)
      return false;
  }
  caf::actor_system_config cfg;
  configure(cfg, opts, tls ? &*tls : nullptr);
  caf::actor_system sys{cfg};
  auto coord = tls ? caf::openssl::remote_actor(sys, host, port)
                   : sys.middleman().remote_actor(host, port);
  if (!coord) {
    error = "cannot reach the coordinator at " + host + ":" + std::to_string(port)
            + ": " + sys.render(coord.error());
    return false;
  }
  // Names this worker to the coordinator for the whole session (the actors
  // that ask come and go).
  caf::scoped_actor session{sys};
  auto self = caf::actor_cast<caf::actor>(session);
  // The coordinator answers within its join timeout; the worker waits as long
  // (it is told the same or the default) and a little more.
  auto share = ask<scenario, swarm_target>(sys, *coord,
                                           opts.join_timeout + std::chrono::seconds{30},
                                           error, join_atom::value, self);
  if (!share) {
    error = "the coordinator refused: " + error;
    return false;
  }
  auto& [plan, target] = *share;
  std::cerr << "alter-swarm worker: driving " << target.agents.size() << " agents\n";
  // Where this share stands, about once a second and at the end, so that the
  // coordinator can show the whole cluster's progress.
  auto last_sent = std::make_shared<std::chrono::steady_clock::time_point>();
  auto report = drive(sys, plan, target, &std::cerr, false,
                      [coord = *coord, self, last_sent](const progress_snapshot& p) {
                        auto now = std::chrono::steady_clock::now();
                        if (now - *last_sent < worker_progress_step && p.in_flight > 0)
                          return;
                        *last_sent = now;
                        caf::send_as(self, coord, progress_atom::value, self, p);
                      });
  // Acknowledged, so the report has arrived before this process goes away.
  if (!ask<bool>(sys, *coord, std::chrono::seconds{60}, error, result_atom::value, self,
                 report)) {
    error = "the report was lost: " + error;
    return false;
  }
  return true;
}

} // namespace alter::swarm
