// The App and Agent behaviors. Both share one state and one set of call flows;
// they differ only in get_agent (App) and me (Agent). Every backend call runs
// under a retry supervisor; provider calls in retrieve mode are never retried.
#include "actors/clients.hpp"

#include <vector>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/backend_exchange.hpp"
#include "actors/call_preparation.hpp"
#include "actors/retry_supervisor.hpp"
#include "auth/constraints.hpp"
#include "auth/crypto.hpp"
#include "messages/audit_log.hpp"
#include "messages/base64.hpp"
#include "messages/json_codec.hpp"
#include "messages/token_response.hpp"
#include "messages/validation.hpp"
#include "net/credential_injection.hpp"
#include "net/url.hpp"

namespace alter {

namespace {

using clock_type = std::chrono::steady_clock;

struct client_state {
  std::shared_ptr<const supervision> sup;
  std::size_t outstanding = 0;
  bool closed = false;
  std::vector<caf::typed_response_promise<bool>> close_waiters;
  retry_info last_retry;
  /// Outcomes of retrieve-mode provider calls, not yet sent to the backend.
  std::vector<provider_call_report> pending_reports;
  bool flush_scheduled = false;

  const client_settings& settings() const noexcept {
    return *sup->settings;
  }

  static inline const char* name = "alter.client";
};

caf::error closed_error() {
  return to_caf_error(error_code::client_closed, "the client has been closed");
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

std::chrono::milliseconds remaining(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
  return std::max(left, std::chrono::milliseconds{1});
}

/// Runs one backend call under a retry supervisor and hands the final answer
/// (any status, with its RetryInfo) or the last error on.
template <class Self, class OnReply, class OnError>
void call_backend(Self self, backend_call call, call_kind kind, OnReply on_reply,
                  OnError on_error) {
  auto supervisor
      = spawn_retry_supervisor(self, self->state.sup, std::move(call), kind);
  self->request(supervisor, caf::infinite, run_atom::value)
      .then(std::move(on_reply), std::move(on_error));
}

/// Maps a provider's error status to the SDK's error (retrieve mode).
alter_error provider_failure(const http_response& res, bool scope_mismatch) {
  auto code = error_code::provider_error;
  if (res.status == 401)
    code = error_code::provider_unauthorized;
  else if (res.status == 403 && scope_mismatch)
    code = error_code::scope_reauth_required;
  auto e = make_error(code, "the provider answered HTTP " + std::to_string(res.status),
                      "{\"status_code\":" + std::to_string(res.status) + "}");
  e.http_status = res.status;
  return e;
}

/// The checks every provider call starts with: a closed client refuses, a bad
/// call is refused before any I/O; otherwise the call is counted in.
template <class Self>
caf::expected<call_plan> open_call(Self self, const provider_call& call) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  auto plan = plan_call(call, st.settings());
  if (plan)
    begin_call(self);
  return plan;
}

// -- audit reports of retrieve-mode calls ---------------------------------------------

/// Reports are sent in batches of this many, or after a short delay.
constexpr std::size_t report_batch = 50;
constexpr std::chrono::milliseconds report_delay{200};

/// Sends the pending reports (counted as a call, so close() waits for them).
/// A batch the backend refuses is dropped: the backend already audited the
/// token retrieval, the report only adds how the provider call ended.
template <class Self>
void flush_reports(Self self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.pending_reports.empty())
    return;
  provider_call_reports batch;
  batch.events.swap(st.pending_reports);
  begin_call(self);
  backend_call bc{"POST", "/v1/audit/events",   to_json(batch), {},
                  {},     st.settings().timeout};
  call_backend(
      self, std::move(bc), call_kind::non_idempotent,
      [=](http_response&) { end_call(self); }, [=](caf::error&) { end_call(self); });
}

template <class Self>
void report_provider_call(Self self, provider_call_report report) {
  auto& st = self->state;
  st.pending_reports.push_back(std::move(report));
  if (st.closed || st.pending_reports.size() >= report_batch) {
    flush_reports(self);
  } else if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->delayed_send(self, report_delay, flush_atom_v);
  }
}

// -- request(): retrieve mode ------------------------------------------------------

template <class Self>
caf::result<http_response> on_request(Self self, provider_call& call) {
  auto plan = open_call(self, call);
  if (!plan)
    return std::move(plan.error());
  auto promise = self->template make_response_promise<http_response>();
  auto deadline = clock_type::now() + plan->timeout;
  token_request body{plan->grant, plan->reason, plan->context};
  backend_call bc{"POST", "/v1/tokens/retrieve", to_json(body), plan->user_token,
                  {},     plan->timeout};
  auto shared_plan = std::make_shared<call_plan>(std::move(*plan));
  auto fail = [=](caf::error& err) mutable {
    self->state.last_retry = from_caf_error(err).retries;
    finish(self, promise, std::move(err));
  };
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        auto retries = reply.retries;
        self->state.last_retry = retries;
        auto token = read_backend_reply<token_response>(reply, 200);
        if (!token)
          return finish(self, promise, std::move(token.error()));
        http_request base{shared_plan->method, shared_plan->target.target,
                          shared_plan->headers, shared_plan->body, 0};
        auto upstream = net::inject_credential(std::move(base), *token);
        if (!upstream)
          return finish(self, promise, std::move(upstream.error()));
        upstream->timeout_ms = remaining(deadline).count();
        auto scope_mismatch = token->scope_mismatch;
        provider_call_report report;
        report.grant_id = token->grant_id;
        report.method = shared_plan->method;
        report.url = shared_plan->url;
        report.reason = shared_plan->reason;
        auto sent_at = clock_type::now();
        auto elapsed = [sent_at] {
          return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                                       - sent_at)
              .count();
        };
        // The provider call is the caller's own request: sent once, never retried.
        self->request(self->state.sup->transport, caf::infinite, exchange_atom_v,
                      shared_plan->target.where, std::move(*upstream))
            .then(
                [=](http_response& res) mutable {
                  report.status_code = res.status;
                  report.latency_ms = elapsed();
                  report_provider_call(self, std::move(report));
                  if (res.status >= 400) {
                    auto e = provider_failure(res, scope_mismatch);
                    e.retries = retries;
                    return finish(self, promise, to_caf_error(std::move(e)));
                  }
                  res.retries = retries;
                  finish(self, promise, std::move(res));
                },
                [=](caf::error& err) mutable {
                  auto e = from_caf_error(err);
                  report.error_code = std::string{name_of(e.code)};
                  report.latency_ms = elapsed();
                  report_provider_call(self, std::move(report));
                  e.retries = retries;
                  finish(self, promise, to_caf_error(std::move(e)));
                });
      },
      fail);
  return promise;
}

// -- proxy_request(): proxy mode ---------------------------------------------------

template <class Self>
caf::result<proxy_outcome> on_proxy(Self self, provider_call& call) {
  auto plan = open_call(self, call);
  if (!plan)
    return std::move(plan.error());
  auto promise = self->template make_response_promise<proxy_outcome>();
  proxy_request body{
      plan->grant,  plan->method, plan->url, plan->headers, base64_encode(plan->body),
      plan->reason, plan->context};
  // One key per logical call, kept across retries: the backend executes the
  // upstream call at most once and replays its result.
  backend_call bc{"POST",           "/v1/proxy/execute",   to_json(body),
                  plan->user_token, crypto::random_uuid(), plan->timeout};
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        proxy_outcome out;
        out.retries = reply.retries;
        if (reply.status == 202) {
          auto pending = read_backend_reply<pending_approval>(reply, 202);
          if (!pending)
            return finish(self, promise, std::move(pending.error()));
          out.pending = true;
          out.approval = std::move(*pending);
        } else {
          auto result = read_backend_reply<proxy_result>(reply, 200);
          if (!result)
            return finish(self, promise, std::move(result.error()));
          out.result = std::move(*result);
        }
        finish(self, promise, std::move(out));
      },
      [=](caf::error& err) mutable { finish(self, promise, std::move(err)); });
  return promise;
}

// -- simple GETs ---------------------------------------------------------------------

template <class T, class = void>
struct has_retries : std::false_type {};

template <class T>
struct has_retries<T, std::void_t<decltype(std::declval<T&>().retries)>>
    : std::true_type {};

template <class T, class Self>
caf::result<T> get_model(Self self, std::string path) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  auto promise = self->template make_response_promise<T>();
  begin_call(self);
  std::string user_token;
  if (st.settings().user_token_getter)
    user_token = st.settings().user_token_getter();
  backend_call bc{"GET", std::move(path),      {}, std::move(user_token),
                  {},    st.settings().timeout};
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        auto value = read_backend_reply<T>(reply, 200);
        if (!value)
          return finish(self, promise, std::move(value.error()));
        if constexpr (has_retries<T>::value)
          value->retries = reply.retries;
        finish(self, promise, std::move(*value));
      },
      [=](caf::error& err) mutable { finish(self, promise, std::move(err)); });
  return promise;
}

/// Page sizes of list endpoints.
std::optional<caf::error> bad_limit(int64_t limit) {
  if (limit < 1 || limit > 1000)
    return to_caf_error(error_code::invalid_argument,
                        "limit must be between 1 and 1000");
  return std::nullopt;
}

template <class Self>
caf::result<grant_list> on_list_grants(Self self, const grant_query& q) {
  if (auto e = bad_limit(q.limit))
    return std::move(*e);
  if (q.offset < 0)
    return to_caf_error(error_code::invalid_argument, "offset must not be negative");
  auto path = "/v1/grants?limit=" + std::to_string(q.limit)
              + "&offset=" + std::to_string(q.offset);
  if (!q.provider_id.empty())
    path += "&provider_id=" + net::percent_encode(q.provider_id);
  return get_model<grant_list>(self, std::move(path));
}

// -- approvals ---------------------------------------------------------------------

template <class Self>
caf::result<approval_status> on_approval_status(Self self, const std::string& id) {
  if (!is_approval_id(id))
    return to_caf_error(error_code::invalid_argument,
                        "approval_id must look like apr_ followed by 32 hex digits");
  return get_model<approval_status>(self, "/v1/approvals/" + id);
}

/// One await_approval: long-polls the state until it is terminal or the local
/// deadline passes, then fetches the result.
struct approval_waiter {
  std::string id;
  clock_type::time_point deadline;
};

template <class Self>
void poll_approval(Self self, std::shared_ptr<approval_waiter> w,
                   caf::typed_response_promise<proxy_result> promise) {
  auto left = std::chrono::duration_cast<std::chrono::seconds>(w->deadline
                                                               - clock_type::now());
  if (clock_type::now() >= w->deadline)
    return finish(self, promise,
                  to_caf_error(error_code::approval_timeout,
                               "no decision on " + w->id + " before the timeout"));
  // The backend holds the request until the state changes (1 to 30 s), which
  // paces this loop: it never spins, even with less than a second left.
  auto wait = std::min<int64_t>(30, std::max<int64_t>(1, left.count() + 1));
  backend_call bc{"GET", "/v1/approvals/" + w->id + "?wait=" + std::to_string(wait),
                  {},    {},
                  {},    std::chrono::seconds{wait} + self->state.settings().timeout};
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        auto status = read_backend_reply<approval_status>(reply, 200);
        if (!status)
          return finish(self, promise, std::move(status.error()));
        if (!status->terminal())
          return poll_approval(self, w, promise);
        backend_call result{"GET", "/v1/approvals/" + w->id + "/result", {}, {},
                            {},    self->state.settings().timeout};
        call_backend(
            self, std::move(result), call_kind::idempotent,
            [=](http_response& answer) mutable {
              auto r = read_backend_reply<proxy_result>(answer, 200);
              if (!r)
                return finish(self, promise, std::move(r.error()));
              finish(self, promise, std::move(*r));
            },
            [=](caf::error& err) mutable { finish(self, promise, std::move(err)); });
      },
      [=](caf::error& err) mutable { finish(self, promise, std::move(err)); });
}

template <class Self>
caf::result<proxy_result> on_await_approval(Self self, const std::string& id,
                                            const approval_wait& how) {
  if (self->state.closed)
    return closed_error();
  if (!is_approval_id(id))
    return to_caf_error(error_code::invalid_argument,
                        "approval_id must look like apr_ followed by 32 hex digits");
  if (!(how.timeout > 0 && how.timeout <= 86400))
    return to_caf_error(error_code::invalid_argument,
                        "timeout must be more than 0 and at most 86400 seconds");
  if (!(how.poll_interval > 0 && how.poll_interval <= 3600))
    return to_caf_error(error_code::invalid_argument,
                        "poll_interval must be more than 0 and at most 3600 seconds");
  begin_call(self);
  auto w = std::make_shared<approval_waiter>();
  w->id = id;
  w->deadline = clock_type::now()
                + std::chrono::duration_cast<clock_type::duration>(
                    std::chrono::duration<double>{how.timeout});
  auto promise = self->template make_response_promise<proxy_result>();
  poll_approval(self, std::move(w), promise);
  return promise;
}

// -- audit ---------------------------------------------------------------------------

template <class Self>
caf::result<audit_page> on_audit_query(Self self, const audit_query& q) {
  if (auto e = bad_limit(q.limit))
    return std::move(*e);
  if (has_control_characters(q.after) || q.after.size() > 128)
    return to_caf_error(error_code::invalid_argument, "after is not a cursor");
  return get_model<audit_page>(self, "/v1/audit?limit=" + std::to_string(q.limit)
                                         + "&after=" + net::percent_encode(q.after));
}

template <class Self>
caf::result<bool> on_close(Self self) {
  auto& st = self->state;
  st.closed = true;
  flush_reports(self);
  if (st.outstanding == 0)
    return true;
  auto promise = self->template make_response_promise<bool>();
  st.close_waiters.push_back(promise);
  return promise;
}

// -- with_constraints ----------------------------------------------------------------

/// The supervision of a constrained sub-client: the parent's, plus the header.
template <class Self>
caf::expected<std::shared_ptr<const supervision>>
constrained_supervision(Self self, const constraints& c) {
  auto& st = self->state;
  if (st.closed)
    return closed_error();
  if (!st.settings().constraints_header.empty())
    return to_caf_error(error_code::invalid_argument,
                        "this client is already constrained: call with_constraints "
                        "once, on the parent, with everything it should narrow");
  if (auto valid = validate(c); !valid)
    return valid.error();
  auto settings = std::make_shared<client_settings>(st.settings());
  settings->constraints_header = encode_constraints_header(c);
  auto derived = std::make_shared<supervision>(*st.sup);
  derived->settings = std::move(settings);
  return std::shared_ptr<const supervision>{std::move(derived)};
}

// -- the two behaviors --------------------------------------------------------------

using agent_pointer = agent_actor::stateful_pointer<client_state>;
using app_pointer = app_actor::stateful_pointer<client_state>;

agent_actor::behavior_type agent_client(agent_pointer self,
                                        std::shared_ptr<const supervision> sup) {
  self->state.sup = std::move(sup);
  return {
      [=](request_atom, provider_call& c) { return on_request(self, c); },
      [=](proxy_atom, provider_call& c) { return on_proxy(self, c); },
      [=](list_grants_atom, const grant_query& q) { return on_list_grants(self, q); },
      [=](approval_status_atom, const std::string& id) {
        return on_approval_status(self, id);
      },
      [=](await_approval_atom, const std::string& id, const approval_wait& how) {
        return on_await_approval(self, id, how);
      },
      [=](audit_query_atom, const audit_query& q) { return on_audit_query(self, q); },
      [=](flush_atom) { flush_reports(self); },
      [=](last_retry_info_atom) { return self->state.last_retry; },
      [=](close_atom) { return on_close(self); },
      [=](me_atom) { return get_model<agent_info>(self, "/v1/me"); },
      [=](constrain_atom, const constraints& c) -> caf::result<caf::actor> {
        auto sup = constrained_supervision(self, c);
        if (!sup)
          return std::move(sup.error());
        return caf::actor_cast<caf::actor>(self->spawn(agent_client, std::move(*sup)));
      },
  };
}

app_actor::behavior_type app_client(app_pointer self,
                                    std::shared_ptr<const supervision> sup) {
  self->state.sup = std::move(sup);
  return {
      [=](request_atom, provider_call& c) { return on_request(self, c); },
      [=](proxy_atom, provider_call& c) { return on_proxy(self, c); },
      [=](list_grants_atom, const grant_query& q) { return on_list_grants(self, q); },
      [=](approval_status_atom, const std::string& id) {
        return on_approval_status(self, id);
      },
      [=](await_approval_atom, const std::string& id, const approval_wait& how) {
        return on_await_approval(self, id, how);
      },
      [=](audit_query_atom, const audit_query& q) { return on_audit_query(self, q); },
      [=](flush_atom) { flush_reports(self); },
      [=](last_retry_info_atom) { return self->state.last_retry; },
      [=](close_atom) { return on_close(self); },
      [=](constrain_atom, const constraints& c) -> caf::result<caf::actor> {
        auto sup = constrained_supervision(self, c);
        if (!sup)
          return std::move(sup.error());
        return caf::actor_cast<caf::actor>(self->spawn(app_client, std::move(*sup)));
      },
      [=](get_agent_atom, const std::string& agent_id) -> caf::result<agent_actor> {
        // The SDK reference raises AlterValueError here, not the closed-client error.
        if (self->state.closed)
          return to_caf_error(error_code::invalid_argument, "the App has been closed");
        if (!is_uuid(agent_id))
          return to_caf_error(error_code::invalid_argument, "agent_id must be a UUID");
        // Same key, backend, transport and budget; the caller is pinned to the
        // agent and the user token getter is deliberately not inherited.
        auto settings = std::make_shared<client_settings>(self->state.settings());
        settings->caller = agent_id;
        settings->type = caller_type::agent;
        settings->user_token_getter = nullptr;
        auto derived = std::make_shared<supervision>(*self->state.sup);
        derived->settings = std::move(settings);
        return self->spawn(agent_client,
                           std::shared_ptr<const supervision>{std::move(derived)});
      },
  };
}

caf::expected<std::shared_ptr<const supervision>>
make_supervision(const client_context& ctx, const client_options& options) {
  auto settings = make_client_settings(options);
  if (!settings)
    return std::move(settings.error());
  auto sup = std::make_shared<supervision>();
  sup->transport = ctx.transport;
  sup->budget = ctx.budgets->for_origin((*settings)->backend.origin());
  sup->options = options.retry;
  sup->settings = std::move(*settings);
  return std::shared_ptr<const supervision>{std::move(sup)};
}

} // namespace

client_context make_client_context(net::transport_actor transport,
                                   net::retry_budget_options budget) {
  return {std::move(transport), std::make_shared<net::retry_budget_registry>(budget)};
}

caf::expected<app_actor> spawn_app(caf::actor_system& sys, const client_context& ctx,
                                   const client_options& options) {
  auto sup = make_supervision(ctx, options);
  if (!sup)
    return std::move(sup.error());
  return sys.spawn(app_client, std::move(*sup));
}

caf::expected<agent_actor>
spawn_agent(caf::actor_system& sys, const client_context& ctx, client_options options) {
  options.type = caller_type::agent;
  auto sup = make_supervision(ctx, options);
  if (!sup)
    return std::move(sup.error());
  return sys.spawn(agent_client, std::move(*sup));
}

} // namespace alter
