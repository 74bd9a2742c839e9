// The App and Agent behaviors. Both share one state and one set of call flows;
// they differ only in get_agent (App) and me (Agent). Every backend call runs
// under a retry supervisor; provider calls in retrieve mode are never retried.
#include "alter/actors/clients.hpp"

#include "alter/actors/client_registry.hpp"

#include <vector>

#include <boost/json.hpp>

#include "caf/actor_system.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "alter/actors/account_calls.hpp"
#include "alter/actors/backend_exchange.hpp"
#include "alter/actors/call_preparation.hpp"
#include "alter/actors/client_calls.hpp"
#include "alter/actors/interactive_flows.hpp"
#include "alter/actors/retry_supervisor.hpp"
#include "alter/auth/constraints.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/traceparent.hpp"
#include "alter/messages/validation.hpp"
#include "alter/net/credential_injection.hpp"
#include "alter/net/url.hpp"

namespace alter {

void detail::record_retries(detail::client_state& st, const retry_info& retries) {
  st.last_retry = retries.retried() ? retries : retry_info{};
}

namespace {

using namespace detail;

std::chrono::milliseconds remaining(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
  return std::max(left, std::chrono::milliseconds{1});
}

/// Maps a provider's error status to the SDK's error (retrieve mode). A 403 on
/// a grant lacking required scopes names the grant and the scopes, as the
/// backend's own ScopeReauthRequiredError does in proxy mode.
alter_error provider_failure(const http_response& res, const token_response& token) {
  auto code = error_code::provider_error;
  boost::json::object details{{"status_code", res.status}};
  if (res.status == 401) {
    code = error_code::provider_unauthorized;
  } else if (res.status == 403 && token.scope_mismatch) {
    code = error_code::scope_reauth_required;
    details["grant_id"] = token.grant_id;
    details["provider_id"] = token.provider_id;
    boost::json::array missing;
    for (const auto& s : token.missing_scopes)
      missing.emplace_back(s);
    details["missing_scopes"] = std::move(missing);
  }
  auto e = make_error(code, "the provider answered HTTP " + std::to_string(res.status),
                      boost::json::serialize(details));
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
  bc.wants_user_token = user_token_use::delegation;
  bc.user_token_required = needs_user_token(self->state.settings(), plan->grant);
  // The retrieval, the provider call and its report share one trace.
  bc.traceparent = traceparent_for(self->state.settings());
  auto traceparent = bc.traceparent;
  auto shared_plan = std::make_shared<call_plan>(std::move(*plan));
  auto fail = [=](caf::error& err) mutable {
    record_retries(self->state, from_caf_error(err).retries);
    finish(self, promise, std::move(err));
  };
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        auto retries = reply.retries;
        record_retries(self->state, retries);
        auto token = read_backend_reply<token_response>(reply, 200);
        if (!token)
          return finish(self, promise, std::move(token.error()));
        http_request base{shared_plan->method, shared_plan->target.target,
                          shared_plan->headers, shared_plan->body, 0};
        auto upstream = net::inject_credential(std::move(base), *token);
        if (!upstream)
          return finish(self, promise, std::move(upstream.error()));
        upstream->timeout_ms = remaining(deadline).count();
        set_traceparent(upstream->headers, traceparent);
        // What a refused call's error names (never the credential itself).
        token_response named;
        named.grant_id = token->grant_id;
        named.provider_id = token->provider_id;
        named.scope_mismatch = token->scope_mismatch;
        named.missing_scopes = token->missing_scopes;
        provider_call_report report;
        report.grant_id = token->grant_id;
        report.method = shared_plan->method;
        report.url = shared_plan->url;
        report.reason = shared_plan->reason;
        report.run_id = self->state.settings().trace.run_id;
        report.thread_id = self->state.settings().trace.thread_id;
        report.tool_call_id = self->state.settings().trace.tool_call_id;
        report.traceparent = traceparent;
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
                    auto e = provider_failure(res, named);
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
  bc.wants_user_token = user_token_use::delegation;
  bc.user_token_required = needs_user_token(self->state.settings(), plan->grant);
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

template <class Self>
caf::result<grant_list> on_list_grants(Self self, const grant_query& q) {
  if (auto e = bad_page(q.limit, q.offset))
    return std::move(*e);
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
/// deadline passes, then fetches the result. close() ends it at once; whatever
/// arrives after it ended is ignored.
struct approval_waiter {
  std::string id;
  clock_type::time_point deadline;
  /// The least time between two polls that found nothing new.
  std::chrono::milliseconds poll_interval{2000};
  /// The state the last poll found.
  std::string last_status;
  caf::typed_response_promise<proxy_result> promise;
  uint64_t wait_id = 0;
  bool done = false;
};

/// Answers the waiter once and ends its call.
template <class Self, class T>
void settle(Self self, const std::shared_ptr<approval_waiter>& w, T&& value) {
  if (w->done)
    return;
  w->done = true;
  self->state.end_on_close.erase(w->wait_id);
  finish(self, w->promise, std::forward<T>(value));
}

template <class Self>
void poll_approval(Self self, std::shared_ptr<approval_waiter> w,
                   caf::typed_response_promise<proxy_result> promise) {
  if (w->done)
    return;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      w->deadline - clock_type::now());
  if (left.count() <= 0)
    return settle(self, w,
                  to_caf_error(error_code::approval_timeout,
                               "no decision on " + w->id + " before the timeout"));
  // The backend holds the request until the state changes or the time left
  // is up (at most 30 s), which paces this loop and ends it at the deadline
  // to the millisecond, with no timer of the client's own.
  auto wait = std::min<int64_t>(30000, left.count());
  const auto sent = clock_type::now();
  backend_call bc{
      "GET", "/v1/approvals/" + w->id + "?wait_ms=" + std::to_string(wait),   {}, {},
      {},    std::chrono::milliseconds{wait} + self->state.settings().timeout};
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        if (w->done)
          return;
        auto status = read_backend_reply<approval_status>(reply, 200);
        if (!status)
          return settle(self, w, std::move(status.error()));
        if (!status->terminal()) {
          // An answer before the wait was up with nothing new (a backend or
          // proxy that does not hold the request): wait poll_interval before
          // the next poll, so that the loop never spins.
          auto early = clock_type::now() - sent < std::chrono::milliseconds{wait}
                                                      - std::chrono::milliseconds{50};
          auto unchanged = status->status == w->last_status;
          w->last_status = status->status;
          auto until_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
              w->deadline - clock_type::now());
          if (early && unchanged && until_deadline.count() > 0)
            return run_later(self, std::min(w->poll_interval, until_deadline),
                             [=] { poll_approval(self, w, promise); });
          return poll_approval(self, w, promise);
        }
        backend_call result{"GET", "/v1/approvals/" + w->id + "/result", {}, {},
                            {},    self->state.settings().timeout};
        call_backend(
            self, std::move(result), call_kind::idempotent,
            [=](http_response& answer) mutable {
              auto r = read_backend_reply<proxy_result>(answer, 200);
              if (!r)
                return settle(self, w, std::move(r.error()));
              settle(self, w, std::move(*r));
            },
            [=](caf::error& err) mutable { settle(self, w, std::move(err)); });
      },
      [=](caf::error& err) mutable { settle(self, w, std::move(err)); });
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
  w->poll_interval = std::chrono::milliseconds{
      std::max<int64_t>(1, static_cast<int64_t>(how.poll_interval * 1000))};
  auto promise = self->template make_response_promise<proxy_result>();
  w->promise = promise;
  w->wait_id = ++self->state.last_wait;
  self->state.end_on_close.emplace(w->wait_id,
                                   [=] { settle(self, w, closed_error()); });
  poll_approval(self, std::move(w), promise);
  return promise;
}

// -- audit ---------------------------------------------------------------------------

template <class Self>
caf::result<audit_page> on_audit_query(Self self, const audit_query& q) {
  if (auto e = bad_page(q.limit, 0))
    return std::move(*e);
  if (has_control_characters(q.after) || q.after.size() > 128)
    return to_caf_error(error_code::invalid_argument, "after is not a cursor");
  return get_model<audit_page>(self, "/v1/audit?limit=" + std::to_string(q.limit)
                                         + "&after=" + net::percent_encode(q.after));
}

/// Closes the namespace actors too; they refuse calls from then on.
template <class Self>
caf::result<bool> on_close(Self self) {
  auto& st = self->state;
  flush_reports(self);
  // Long waits end now (client_closed) instead of holding close() for minutes.
  auto waits = std::move(st.end_on_close);
  st.end_on_close.clear();
  for (auto& [id, end] : waits)
    end();
  if (st.agents)
    caf::anon_send(st.agents, close_atom_v);
  if (st.keys)
    caf::anon_send(st.keys, close_atom_v);
  return close_client(self);
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
    return invalid("this client is already constrained: call with_constraints "
                   "once, on the parent, with everything it should narrow");
  if (auto valid = validate(c); !valid)
    return valid.error();
  return derive_supervision(self, [&](client_settings& s) {
    s.constraints_header = encode_constraints_header(c);
  });
}

/// A sub-client of the same kind: `spawn_like` spawns the behavior of `self`.
template <class SpawnLike>
caf::result<caf::actor>
sub_client(caf::expected<std::shared_ptr<const supervision>> sup,
           SpawnLike spawn_like) {
  if (!sup)
    return std::move(sup.error());
  return spawn_like(std::move(*sup));
}

// -- the two behaviors --------------------------------------------------------------

/// What App and Agent answer alike; `extra` adds the handlers of one kind.
template <class Behavior, class Self, class SpawnLike, class... Extra>
Behavior client_behavior(Self self, bool is_app, SpawnLike spawn_like, Extra... extra) {
  return {
      [=](request_atom, provider_call& c) -> caf::result<http_response> {
        return on_request(self, c);
      },
      [=](connect_session_atom, const connect_request& r) {
        return on_connect_session(self, r);
      },
      [=](poll_connect_atom, const std::string& token) -> caf::result<connect_status> {
        if (!valid_session_token(token))
          return invalid("session_token is not a Connect session token");
        return get_model<connect_status>(self, "/v1/connect/sessions/" + token);
      },
      [=](connect_atom, const connect_options& o, const caf::actor& listener) {
        return on_connect(self, o, listener);
      },
      [=](proxy_atom, provider_call& c) -> caf::result<proxy_outcome> {
        return on_proxy(self, c);
      },
      [=](list_grants_atom, const grant_query& q) { return on_list_grants(self, q); },
      [=](approval_status_atom, const std::string& id) {
        return on_approval_status(self, id);
      },
      [=](await_approval_atom, const std::string& id, const approval_wait& how) {
        return on_await_approval(self, id, how);
      },
      [=](audit_query_atom, const audit_query& q) { return on_audit_query(self, q); },
      [=](constrain_atom, const constraints& c) {
        return sub_client(constrained_supervision(self, c), spawn_like);
      },
      [=](trace_atom, const trace_fields& t) {
        return sub_client(traced_supervision(self, t), spawn_like);
      },
      [=](scopes_atom) { return get_model<scope_catalog>(self, "/v1/scopes"); },
      [=](providers_atom, bool force_refresh) {
        return on_providers(self, force_refresh);
      },
      [=](keys_atom) -> caf::result<keys_actor> {
        auto& st = self->state;
        if (st.closed)
          return closed_error();
        if (!st.keys)
          st.keys = spawn_keys_namespace(self, st.sup);
        return st.keys;
      },
      [=](create_grant_atom, const managed_secret_grant& g) {
        return on_create_grant(self, g);
      },
      [=](revoke_delegation_atom, const std::string& grant_id,
          const std::string& agent_id) {
        return on_revoke_delegation(self, grant_id, agent_id, is_app);
      },
      [=](resolve_identity_atom, const std::string& token) {
        return post_token<identity_context>(self, "/v1/identity/resolve", token);
      },
      [=](actor_id_atom) { return self->state.actor_id; },
      [=](key_status_atom) { return self->state.key_deprecated; },
      [=](base_url_atom) { return self->state.settings().backend_url; },
      [=](flush_atom) { flush_reports(self); },
      [=](timer_atom, uint64_t id) { fire_timer(self, id); },
      [=](last_retry_info_atom) { return self->state.last_retry; },
      [=](close_atom) { return on_close(self); },
      extra...,
  };
}

using agent_pointer = agent_actor::stateful_pointer<client_state>;
using app_pointer = app_actor::stateful_pointer<client_state>;

/// Joins the runtime's clients, so that its shutdown drains this one too.
/// A client joins its runtime's registry as it is spawned, not when its
/// behavior starts later on a worker: a shutdown right after the spawn drains
/// it too.
template <class Handle>
Handle registered(Handle client, const std::shared_ptr<const supervision>& sup) {
  if (sup && sup->registry)
    sup->registry->add(caf::actor_cast<caf::actor>(client));
  return client;
}

agent_actor::behavior_type agent_client(agent_pointer self,
                                        std::shared_ptr<const supervision> sup) {
  self->state.sup = std::move(sup);
  auto spawn_like = [=](std::shared_ptr<const supervision> s) {
    return caf::actor_cast<caf::actor>(registered(self->spawn(agent_client, s), s));
  };
  return client_behavior<agent_actor::behavior_type>(
      self, false, spawn_like,
      [=](me_atom) { return get_model<agent_info>(self, "/v1/me"); });
}

app_actor::behavior_type app_client(app_pointer self,
                                    std::shared_ptr<const supervision> sup) {
  self->state.sup = std::move(sup);
  auto spawn_like = [=](std::shared_ptr<const supervision> s) {
    return caf::actor_cast<caf::actor>(registered(self->spawn(app_client, s), s));
  };
  return client_behavior<app_actor::behavior_type>(
      self, true, spawn_like,
      [=](get_agent_atom, const std::string& agent_id) -> caf::result<agent_actor> {
        // The SDK reference raises AlterValueError here, not the closed-client error.
        if (self->state.closed)
          return invalid("the App has been closed");
        if (!is_uuid(agent_id))
          return invalid("agent_id must be a UUID");
        // Same key, backend, transport and budget; the caller is pinned to the
        // agent and the user token getter is deliberately not inherited.
        auto sup = derive_supervision(self, [&](client_settings& s) {
          s.caller = agent_id;
          s.type = caller_type::agent;
          s.user_token_getter = nullptr;
          s.user_token_source = nullptr;
        });
        return registered(self->spawn(agent_client, sup), sup);
      },
      [=](agents_atom) -> caf::result<agents_actor> {
        auto& st = self->state;
        if (st.closed)
          return closed_error();
        if (!st.agents)
          st.agents = spawn_agents_namespace(self, st.sup);
        return st.agents;
      },
      [=](revoke_grant_atom, const std::string& grant_id, const std::string& reason) {
        return on_revoke_grant(self, grant_id, reason);
      },
      [=](verify_token_atom, const std::string& token) {
        return post_token<verified_user>(self, "/v1/identity/verify", token);
      },
      [=](auth_session_atom) {
        return send_model<auth_session>(self, "POST", "/v1/auth/sessions", "{}", 201);
      },
      [=](poll_auth_atom, const std::string& token) -> caf::result<auth_status> {
        if (!valid_session_token(token))
          return invalid("session_token is not a sign-in session token");
        return get_model<auth_status>(self, "/v1/auth/sessions/" + token);
      },
      [=](authenticate_atom, double timeout, const caf::actor& listener) {
        return on_authenticate(self, timeout, listener);
      });
}

/// `agent`: an Agent client, whose end-user JWT only selects delegations.
caf::expected<std::shared_ptr<const supervision>>
make_supervision(const client_context& ctx, const client_options& options, bool agent) {
  auto settings = make_client_settings(options);
  if (!settings)
    return std::move(settings.error());
  if (agent) {
    auto own = std::make_shared<client_settings>(**settings);
    own->user_token_for_delegation_only = true;
    *settings = std::move(own);
  }
  auto sup = std::make_shared<supervision>();
  sup->transport = ctx.transport;
  sup->budget = ctx.budgets->for_origin((*settings)->backend.origin());
  sup->registry = ctx.clients;
  sup->options = options.retry;
  sup->settings = std::move(*settings);
  return std::shared_ptr<const supervision>{std::move(sup)};
}

} // namespace

client_context make_client_context(net::transport_actor transport,
                                   net::retry_budget_options budget) {
  return {std::move(transport), std::make_shared<net::retry_budget_registry>(budget),
          std::make_shared<client_registry>()};
}

caf::expected<app_actor> spawn_app(caf::actor_system& sys, const client_context& ctx,
                                   const client_options& options) {
  auto sup = make_supervision(ctx, options, false);
  if (!sup)
    return std::move(sup.error());
  return registered(sys.spawn(app_client, *sup), *sup);
}

caf::expected<agent_actor>
spawn_agent(caf::actor_system& sys, const client_context& ctx, client_options options) {
  options.type = caller_type::agent;
  auto sup = make_supervision(ctx, options, true);
  if (!sup)
    return std::move(sup.error());
  return registered(sys.spawn(agent_client, *sup), *sup);
}

} // namespace alter
