#include "alter/actors/retry_supervisor.hpp"

#include "caf/local_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

namespace alter {

namespace {

using time_point = caf::actor_clock::time_point;

struct supervisor_state {
  std::shared_ptr<const supervision> sup;
  backend_call call;
  call_kind kind = call_kind::idempotent;
  time_point deadline;
  retry_info info;
  jitter_rng rng;
  caf::typed_response_promise<http_response> promise;

  static inline const char* name = "alter.retry-supervisor";
};

using supervisor_pointer = retry_supervisor_actor::stateful_pointer<supervisor_state>;

void attempt(supervisor_pointer self);

void finish(supervisor_pointer self, http_response response) {
  auto& st = self->state;
  if (st.info.attempts == 1 && response.status < 400)
    st.sup->budget->refund();
  response.retries = st.info;
  st.promise.deliver(std::move(response));
  self->quit();
}

void finish(supervisor_pointer self, alter_error error) {
  error.retries = self->state.info;
  self->state.promise.deliver(to_caf_error(std::move(error)));
  self->quit();
}

/// A failed attempt: retry if allowed, affordable and in time; else give up
/// with `last` (the HTTP answer when there was one).
template <class Last>
void on_failure(supervisor_pointer self, const alter_error& why, Last last) {
  auto& st = self->state;
  st.info.errors.push_back({why.http_status, std::string{name_of(why.code)}, 0});
  if (st.info.attempts >= st.sup->options.max_attempts || !is_retryable(why, st.kind))
    return finish(self, std::move(last));
  auto delay = backoff_delay(st.info.attempts, why, st.sup->options, st.rng);
  if (self->clock().now() + delay >= st.deadline)
    return finish(self, std::move(last));
  if (!st.sup->budget->try_acquire(why.code == error_code::timeout))
    return finish(self, std::move(last));
  st.info.errors.back().delay_ms = delay.count();
  st.info.total_delay_ms += delay.count();
  self->delayed_send(self, delay, attempt_atom::value);
}

void attempt(supervisor_pointer self) {
  auto& st = self->state;
  ++st.info.attempts;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      st.deadline - self->clock().now());
  auto call = st.call;
  call.timeout = std::max(remaining, std::chrono::milliseconds{1});
  auto req = make_backend_request(*st.sup->settings, std::move(call));
  // No CAF timeout: the pool answers by the request's own deadline.
  self->request(st.sup->transport, caf::infinite, exchange_atom_v,
                st.sup->settings->backend, std::move(req))
      .then(
          [=](http_response& res) {
            if (res.status < 400)
              return finish(self, std::move(res));
            auto why = backend_error_of(res);
            on_failure(self, why, std::move(res));
          },
          [=](caf::error& err) {
            auto why = from_caf_error(err);
            on_failure(self, why, why);
          });
}

retry_supervisor_actor::behavior_type
retry_supervisor(supervisor_pointer self, std::shared_ptr<const supervision> sup,
                 backend_call call, call_kind kind) {
  auto& st = self->state;
  st.sup = std::move(sup);
  st.call = std::move(call);
  st.kind = kind;
  auto seed = st.sup->options.jitter_seed;
  st.rng = jitter_rng{seed != 0 ? seed : jitter_rng::fresh_seed()};
  return {
      [=](run_atom) -> caf::result<http_response> {
        auto& st = self->state;
        st.promise = self->make_response_promise<http_response>();
        st.deadline = self->clock().now() + st.call.timeout;
        attempt(self);
        return st.promise;
      },
      [=](attempt_atom) { attempt(self); },
  };
}

} // namespace

retry_supervisor_actor spawn_retry_supervisor(caf::local_actor* parent,
                                              std::shared_ptr<const supervision> sup,
                                              backend_call call, call_kind kind) {
  return parent->spawn(retry_supervisor, std::move(sup), std::move(call), kind);
}

} // namespace alter
