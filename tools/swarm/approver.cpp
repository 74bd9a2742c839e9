#include "tools/swarm/approver.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <regex>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "alter/messages/alter_error.hpp"
#include "alter/messages/retry_after.hpp"
#include "alter/net/url.hpp"

namespace alter::swarm {

namespace {

struct pending_decision {
  std::string approval_id;
  caf::typed_response_promise<bool> promise;
  /// Times the backend answered 503 to this decision so far.
  int busy_answers = 0;
};

/// A human at a page that says "try again" does, a few times.
constexpr int max_busy_answers = 5;

struct approver_state {
  approver_settings settings;
  std::mt19937_64 rng;
  /// "alter_approver=..." once signed in.
  std::string cookie;
  std::map<uint64_t, pending_decision> waiting;
  uint64_t last_timer = 0;

  static inline const char* name = "alter.swarm-approver";
};

using approver_pointer = approver_actor::stateful_pointer<approver_state>;

/// A page request as the approver's browser sends it: forms carry the page's
/// own origin, as the backend requires of every POST.
http_request page_request(approver_pointer self, const std::string& method,
                          const std::string& target, const std::string& cookie,
                          const std::string& form) {
  http_request req;
  req.method = method;
  req.target = target;
  req.timeout_ms = 10000;
  if (!cookie.empty())
    req.headers.push_back({"Cookie", cookie});
  if (method == "POST")
    req.headers.push_back({"Origin", self->state.settings.backend.origin()});
  if (!form.empty()) {
    req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    req.body = form;
  }
  return req;
}

/// One page exchange; `next` gets the answer, failures end the decision.
template <class Next>
void browse(approver_pointer self, http_request req,
            caf::typed_response_promise<bool> rp, Next next) {
  self->request(self->state.settings.transport, caf::infinite, exchange_atom_v,
                self->state.settings.backend, std::move(req))
      .then([=](http_response& res) mutable { next(res); },
            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

void fail(caf::typed_response_promise<bool>& rp, const std::string& why) {
  rp.deliver(to_caf_error(error_code::unknown_error, "approver: " + why));
}

/// Queues the decision again after `delay`.
void decide_later(approver_pointer self, pending_decision job,
                  std::chrono::milliseconds delay) {
  auto& st = self->state;
  auto timer = ++st.last_timer;
  st.waiting.emplace(timer, std::move(job));
  self->delayed_send(self, delay, timer_atom_v, timer);
}

/// Whether `res` is the backend saying it is busy (503: nothing was done) and
/// the decision was queued again for after its Retry-After.
bool come_back_later(approver_pointer self, pending_decision& job,
                     const http_response& res) {
  if (res.status != 503 || job.busy_answers >= max_busy_answers)
    return false;
  // As the page asks, within reason: at least 1 s, at most 10 s.
  int64_t wait_ms = 1000;
  if (const auto* after = find_field(res.headers, "retry-after"))
    wait_ms = std::clamp<int64_t>(retry_after_ms_of(*after), 1000, 10000);
  ++job.busy_answers;
  decide_later(self, std::move(job), std::chrono::milliseconds{wait_ms});
  return true;
}

void post_decision(approver_pointer self, pending_decision job) {
  const auto& id = job.approval_id;
  auto rp = job.promise;
  // One session for both steps: a concurrent sign-in may replace st.cookie, and
  // the CSRF token belongs to the session that showed the page.
  auto cookie = self->state.cookie;
  browse(self, page_request(self, "GET", "/approvals/" + id, cookie, {}), rp,
         [=](http_response& page) mutable {
           static const std::regex csrf_re{R"re(name="csrf" value="([0-9a-f]+)")re"};
           std::smatch m;
           if (come_back_later(self, job, page))
             return;
           if (page.status != 200 || !std::regex_search(page.body, m, csrf_re)) {
             // An expired session shows the sign-in form: sign in again next time.
             if (self->state.cookie == cookie)
               self->state.cookie.clear();
             return fail(rp, "the approval page of " + id + " answered "
                                 + std::to_string(page.status));
           }
           std::bernoulli_distribution deny{self->state.settings.deny_ratio};
           bool approve = !deny(self->state.rng);
           auto form = "csrf=" + m[1].str() + "&decision="
                       + (approve ? "approve" : "deny") + "&reason=swarm";
           browse(self,
                  page_request(self, "POST", "/approvals/" + id + "/decision", cookie,
                               form),
                  rp, [=](http_response& done) mutable {
                    if (come_back_later(self, job, done))
                      return;
                    if (done.status >= 400)
                      return fail(rp, "deciding " + id + " answered "
                                          + std::to_string(done.status));
                    rp.deliver(approve);
                  });
         });
}

/// Signs in (once) and then decides.
void decide(approver_pointer self, pending_decision job) {
  auto& st = self->state;
  if (!st.cookie.empty())
    return post_decision(self, std::move(job));
  auto form = "token=" + net::percent_encode(st.settings.approver_token)
              + "&next=" + job.approval_id;
  auto rp = job.promise;
  browse(self, page_request(self, "POST", "/approvals/login", {}, form), rp,
         [=](http_response& res) mutable {
           if (come_back_later(self, job, res))
             return;
           const auto* set = find_field(res.headers, "set-cookie");
           if (res.status != 303 || set == nullptr)
             return fail(rp, "sign-in refused with " + std::to_string(res.status));
           self->state.cookie = set->substr(0, set->find(';'));
           post_decision(self, job);
         });
}

approver_actor::behavior_type approver(approver_pointer self,
                                       approver_settings settings) {
  self->state.rng.seed(settings.seed);
  self->state.settings = std::move(settings);
  return {
      [=](decide_atom, const std::string& id) -> caf::result<bool> {
        auto& st = self->state;
        auto rp = self->make_response_promise<bool>();
        decide_later(self, pending_decision{id, rp}, st.settings.delay);
        return rp;
      },
      [=](timer_atom, uint64_t timer) {
        auto& st = self->state;
        auto i = st.waiting.find(timer);
        if (i == st.waiting.end())
          return;
        auto job = std::move(i->second);
        st.waiting.erase(i);
        decide(self, std::move(job));
      },
  };
}

} // namespace

approver_actor spawn_approver(caf::actor_system& sys, approver_settings settings) {
  return sys.spawn(approver, std::move(settings));
}

} // namespace alter::swarm
