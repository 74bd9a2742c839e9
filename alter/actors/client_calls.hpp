// Internal to the client actors' .cpp files (never include it elsewhere): the
// state App, Agent and their namespace actors share, and the one flow every
// backend call of theirs follows: refuse on a closed client, count the call in,
// run it under a retry supervisor, read the model or the error, count it out.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "caf/actor.hpp"
#include "caf/typed_response_promise.hpp"

#include "alter/actors/agents_namespace.hpp"
#include "alter/actors/backend_exchange.hpp"
#include "alter/actors/keys_namespace.hpp"
#include "alter/actors/retry_supervisor.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/catalogs.hpp"
#include "alter/messages/error_code.hpp"

namespace alter::detail {

using clock_type = std::chrono::steady_clock;

struct client_state;
/// Keeps what request() did for last_retry_info: a call that was not retried
/// leaves it empty.
void record_retries(client_state& st, const retry_info& retries);

struct client_state {
  std::shared_ptr<const supervision> sup;
  std::size_t outstanding = 0;
  bool closed = false;
  std::vector<caf::typed_response_promise<bool>> close_waiters;
  /// The retries of the most recent request(); empty (attempts 0) when it was
  /// answered on its first attempt, as Python's last_retry_info is None then.
  retry_info last_retry;
  /// Outcomes of retrieve-mode provider calls, not yet sent to the backend.
  std::vector<provider_call_report> pending_reports;
  bool flush_scheduled = false;
  /// The backend's x-alter-actor-id, from the first authenticated answer on.
  std::string actor_id;
  /// Whether the last answer said the key is deprecated (X-Alter-Key-Deprecated).
  bool key_deprecated = false;
  /// oauth_providers.list, cached for five minutes.
  std::optional<provider_catalog> providers;
  clock_type::time_point providers_at;
  /// Namespace actors, made on first use and closed with the client.
  agents_actor agents;
  keys_actor keys;
  /// Delayed steps of polling flows, by timer id (run_later).
  std::map<uint64_t, std::function<void()>> timers;
  uint64_t last_timer = 0;
  /// Waits that close() ends at once rather than drains (an approval
  /// long-poll may take minutes), by id; each removes itself when it ends.
  std::map<uint64_t, std::function<void()>> end_on_close;
  uint64_t last_wait = 0;

  const client_settings& settings() const noexcept {
    return *sup->settings;
  }

  static inline const char* name = "alter.client";
};

inline caf::error closed_error() {
  return to_caf_error(error_code::client_closed, "the client has been closed");
}

inline caf::error invalid(std::string message) {
  return to_caf_error(error_code::invalid_argument, std::move(message));
}

/// Counts a call in; close() waits for the count to reach zero.
template <class Self>
void begin_call(Self self) {
  ++self->state.outstanding;
}

template <class Self>
void end_call(Self self) {
  auto& st = self->state;
  if (--st.outstanding == 0 && st.closed) {
    for (auto& waiter : st.close_waiters)
      waiter.deliver(true);
    st.close_waiters.clear();
  }
}

/// Delivers a value or an error and counts the call out.
template <class Self, class Promise, class T>
void finish(Self self, Promise& promise, T&& value) {
  promise.deliver(std::forward<T>(value));
  end_call(self);
}

/// Remembers what every authenticated answer says about the caller.
template <class Self>
void note_answer(Self self, const http_response& reply) {
  auto& st = self->state;
  if (reply.status >= 200 && reply.status < 300) {
    if (const auto* id = find_field(reply.headers, header::actor_id); id)
      st.actor_id = *id;
  }
  if (reply.status != 401)
    st.key_deprecated = find_field(reply.headers, header::key_deprecated) != nullptr;
}

/// Runs one backend call under a retry supervisor and hands the final answer
/// (any status, with its RetryInfo) or the last error on.
template <class Self, class OnReply, class OnError>
void call_supervised(Self self, backend_call call, call_kind kind, OnReply on_reply,
                     OnError on_error) {
  if (call.traceparent.empty())
    call.traceparent = traceparent_for(self->state.settings());
  auto supervisor
      = spawn_retry_supervisor(self, self->state.sup, std::move(call), kind);
  self->request(supervisor, caf::infinite, run_atom::value)
      .then(
          [=](http_response& reply) mutable {
            note_answer(self, reply);
            on_reply(reply);
          },
          std::move(on_error));
}

/// Puts the end user's JWT where this client sends it: an Agent's selects a
/// delegation only.
inline void place_user_token(const client_settings& s, backend_call& call,
                             std::string token) {
  (s.user_token_for_delegation_only ? call.delegation_token : call.user_token)
      = std::move(token);
}

/// call_supervised, after filling in the end user's JWT when the call wants one
/// and names none: from the getter at once, or from the asynchronous source
/// (the actor serves other messages meanwhile). The one place either is asked.
template <class Self, class OnReply, class OnError>
void call_backend(Self self, backend_call call, call_kind kind, OnReply on_reply,
                  OnError on_error) {
  const auto& s = self->state.settings();
  auto use = call.wants_user_token;
  bool wanted
      = use == user_token_use::delegation
        || (use == user_token_use::identity && !s.user_token_for_delegation_only);
  if (!wanted || !call.user_token.empty()
      || (!s.user_token_getter && !s.user_token_source))
    return call_supervised(self, std::move(call), kind, std::move(on_reply),
                           std::move(on_error));
  if (s.user_token_getter) {
    auto token = user_token_from_getter(s);
    if (!token)
      return on_error(token.error());
    if (token->empty() && call.user_token_required) {
      auto err = to_caf_error(error_code::invalid_argument,
                              "provider= resolves the grant through an end-user JWT: "
                              "the user_token_getter returned none");
      return on_error(err);
    }
    place_user_token(s, call, std::move(*token));
    return call_supervised(self, std::move(call), kind, std::move(on_reply),
                           std::move(on_error));
  }
  auto timeout = call.timeout.count() > 0 ? call.timeout : s.timeout;
  self->request(s.user_token_source, timeout, user_token_atom_v)
      .then(
          [=](std::string& token) mutable {
            if (token.empty()) {
              auto err
                  = to_caf_error(error_code::reauth_required,
                                 "the user token source has no token for this call");
              return on_error(err);
            }
            place_user_token(self->state.settings(), call, std::move(token));
            call_supervised(self, std::move(call), kind, std::move(on_reply),
                            std::move(on_error));
          },
          [=](caf::error& err) mutable {
            // The source's own errors pass through; a source that is gone or
            // silent means no user for this call.
            auto e = from_caf_error(err);
            if (e.code == error_code::unknown_error
                || e.code == error_code::client_closed || e.code == error_code::timeout)
              e = make_error(error_code::reauth_required,
                             "the user token source did not answer: " + e.message);
            auto out = to_caf_error(std::move(e));
            on_error(out);
          });
}

template <class T, class = void>
struct has_retries : std::false_type {};

template <class T>
struct has_retries<T, std::void_t<decltype(std::declval<T&>().retries)>>
    : std::true_type {};

/// expected_status for answers where any 2xx carries the model (201 created,
/// 200 replayed).
constexpr int any_success = 0;

/// One backend call whose answer is the model T with `expected_status`.
template <class T, class Self>
caf::result<T> call_model(Self self, backend_call bc, int expected_status = 200,
                          call_kind kind = call_kind::idempotent) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  if (bc.timeout.count() == 0)
    bc.timeout = st.settings().timeout;
  auto promise = self->template make_response_promise<T>();
  begin_call(self);
  call_backend(
      self, std::move(bc), kind,
      [=](http_response& reply) mutable {
        auto wanted = expected_status;
        if (wanted == any_success)
          wanted = reply.status >= 200 && reply.status < 300 ? reply.status : 200;
        auto value = read_backend_reply<T>(reply, wanted);
        if (!value)
          return finish(self, promise, std::move(value.error()));
        if constexpr (has_retries<T>::value)
          value->retries = reply.retries;
        finish(self, promise, std::move(*value));
      },
      [=](caf::error& err) mutable { finish(self, promise, std::move(err)); });
  return promise;
}

template <class T, class Self>
caf::result<T> get_model(Self self, std::string path) {
  backend_call bc{"GET", std::move(path)};
  bc.wants_user_token = user_token_use::identity;
  return call_model<T>(self, std::move(bc));
}

/// A state-changing call: retried only when it cannot have reached the backend
/// (the retry supervisor's rule for non-idempotent calls).
template <class T, class Self>
caf::result<T> send_model(Self self, std::string method, std::string path,
                          std::string body, int expected_status) {
  backend_call bc{std::move(method), std::move(path), std::move(body)};
  return call_model<T>(self, std::move(bc), expected_status, call_kind::non_idempotent);
}

/// Runs `fn` in this actor after `delay` (the behavior forwards timer_atom to
/// fire_timer).
template <class Self>
void run_later(Self self, std::chrono::milliseconds delay, std::function<void()> fn) {
  auto id = ++self->state.last_timer;
  self->state.timers.emplace(id, std::move(fn));
  self->delayed_send(self, delay, timer_atom_v, id);
}

template <class Self>
void fire_timer(Self self, uint64_t id) {
  auto& timers = self->state.timers;
  auto i = timers.find(id);
  if (i == timers.end())
    return;
  auto fn = std::move(i->second);
  timers.erase(i);
  fn();
}

/// Page sizes of list endpoints.
inline std::optional<caf::error> bad_page(int64_t limit, int64_t offset) {
  if (limit < 1 || limit > 1000)
    return invalid("limit must be between 1 and 1000");
  if (offset < 0)
    return invalid("offset must not be negative");
  return std::nullopt;
}

/// Waits for the namespace actors and the client's outstanding calls.
template <class Self>
caf::result<bool> close_client(Self self) {
  auto& st = self->state;
  st.closed = true;
  if (st.outstanding == 0)
    return true;
  auto promise = self->template make_response_promise<bool>();
  st.close_waiters.push_back(promise);
  return promise;
}

/// The namespace actors of a client (agents_namespace.cpp, keys_namespace.cpp).
agents_actor spawn_agents_namespace(caf::local_actor* parent,
                                    std::shared_ptr<const supervision> sup);
keys_actor spawn_keys_namespace(caf::local_actor* parent,
                                std::shared_ptr<const supervision> sup);

} // namespace alter::detail
