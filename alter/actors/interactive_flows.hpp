// Internal to clients.cpp: the flows that wait for a person. connect() and
// authenticate() create a session, show its URL, and poll its state every
// poll_interval until the person decides or the local timeout passes.
#pragma once

#include <cstdio>
#include <spawn.h>
#include <sys/wait.h>

#include "alter/actors/account_calls.hpp"

extern char** environ;

namespace alter::detail {

inline bool valid_session_token(const std::string& t) {
  if (t.empty() || t.size() > 128)
    return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-'))
      return false;
  return true;
}

/// Hands the URL to the listener, a browser, or standard error (SSH sessions).
template <class Self>
void show_url(Self self, const caf::actor& listener, bool open_browser,
              const std::string& url, const char* what) {
  if (listener) {
    caf::anon_send(listener, connect_atom_v, url);
    return;
  }
  if (open_browser) {
    // posix_spawnp never goes through a shell: the URL cannot inject commands.
    const char* argv[] = {"xdg-open", url.c_str(), nullptr};
    pid_t pid = 0;
    if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char**>(argv),
                     environ)
        == 0)
      return;
  }
  std::fprintf(stderr, "Open this URL to %s: %s\n", what, url.c_str());
}

inline std::optional<caf::error> bad_wait(double timeout, double poll_interval) {
  if (!(timeout > 0 && timeout <= 86400))
    return invalid("timeout must be more than 0 and at most 86400 seconds");
  if (!(poll_interval > 0 && poll_interval <= 3600))
    return invalid("poll_interval must be more than 0 and at most 3600 seconds");
  return std::nullopt;
}

inline std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds{static_cast<int64_t>(seconds * 1000)};
}

/// One polling flow: asks `path` for a T until `done` says it is final.
template <class T>
struct poll_flow {
  std::string path;
  clock_type::time_point deadline;
  std::chrono::milliseconds interval;
  caf::typed_response_promise<T> promise;
};

/// Polls until `settle` (the state -> a final value, an error, or nullopt to go
/// on) ends the flow, or the deadline gives connect_timeout.
template <class State, class T, class Self, class Settle>
void poll_until(Self self, std::shared_ptr<poll_flow<T>> flow, Settle settle) {
  if (clock_type::now() >= flow->deadline)
    return finish(self, flow->promise,
                  to_caf_error(error_code::connect_timeout,
                               "nobody completed the flow before the timeout"));
  backend_call bc{"GET", flow->path};
  bc.timeout = self->state.settings().timeout;
  call_backend(
      self, std::move(bc), call_kind::idempotent,
      [=](http_response& reply) mutable {
        auto state = read_backend_reply<State>(reply, 200);
        if (!state)
          return finish(self, flow->promise, std::move(state.error()));
        std::optional<caf::expected<T>> outcome = settle(*state);
        if (outcome) {
          if (*outcome)
            return finish(self, flow->promise, std::move(**outcome));
          return finish(self, flow->promise, std::move(outcome->error()));
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            flow->deadline - clock_type::now());
        run_later(
            self,
            std::max(std::chrono::milliseconds{1}, std::min(flow->interval, left)),
            [=] { poll_until<State>(self, flow, settle); });
      },
      [=](caf::error& err) mutable { finish(self, flow->promise, std::move(err)); });
}

template <class Self>
caf::result<std::vector<connect_result>>
on_connect(Self self, const connect_options& opts, const caf::actor& listener) {
  using results = std::vector<connect_result>;
  if (self->state.closed)
    return closed_error();
  if (auto e = bad_wait(opts.timeout, opts.poll_interval))
    return std::move(*e);
  if (auto e = bad_grant_policy(opts.grant_policy))
    return std::move(*e);
  for (const auto& p : opts.providers)
    if (!printable_id(p, 128))
      return invalid("providers must be provider ids (1-128 printable characters)");
  connect_request req;
  req.allowed_providers = opts.providers;
  req.grant_policy = opts.grant_policy;
  auto flow = std::make_shared<poll_flow<results>>();
  flow->deadline = clock_type::now() + to_ms(opts.timeout);
  flow->interval = to_ms(opts.poll_interval);
  flow->promise = self->template make_response_promise<results>();
  begin_call(self);
  backend_call bc{"POST", "/v1/connect/sessions", to_json(req)};
  bc.wants_user_token = user_token_use::delegation;
  bc.timeout = self->state.settings().timeout;
  auto open_browser = opts.open_browser;
  call_backend(
      self, std::move(bc), call_kind::non_idempotent,
      [=](http_response& reply) mutable {
        auto session = read_backend_reply<connect_session>(reply, 201);
        if (!session)
          return finish(self, flow->promise, std::move(session.error()));
        show_url(self, listener, open_browser, session->connect_url, "connect");
        flow->path = "/v1/connect/sessions/" + session->session_token;
        poll_until<connect_status>(
            self, flow, [](connect_status& s) -> std::optional<caf::expected<results>> {
              if (s.status == "completed")
                return caf::expected<results>{std::move(s.results)};
              if (s.status == "denied")
                return caf::expected<results>{to_caf_error(
                    error_code::connect_denied, "the user denied the connection")};
              if (s.status == "expired")
                return caf::expected<results>{
                    to_caf_error(error_code::connect_session_expired,
                                 "the Connect session expired")};
              if (s.status == "failed")
                return caf::expected<results>{
                    to_caf_error(error_code::connect_flow_failed,
                                 "the provider did not authorize the connection")};
              return std::nullopt;
            });
      },
      [=](caf::error& err) mutable { finish(self, flow->promise, std::move(err)); });
  return flow->promise;
}

template <class Self>
caf::result<auth_status> on_authenticate(Self self, double timeout,
                                         const caf::actor& listener) {
  if (self->state.closed)
    return closed_error();
  if (auto e = bad_wait(timeout, 1.0))
    return std::move(*e);
  auto flow = std::make_shared<poll_flow<auth_status>>();
  flow->deadline = clock_type::now() + to_ms(timeout);
  flow->interval = std::chrono::milliseconds{250};
  flow->promise = self->template make_response_promise<auth_status>();
  begin_call(self);
  backend_call bc{"POST", "/v1/auth/sessions", "{}"};
  bc.timeout = self->state.settings().timeout;
  call_backend(
      self, std::move(bc), call_kind::non_idempotent,
      [=](http_response& reply) mutable {
        auto session = read_backend_reply<auth_session>(reply, 201);
        if (!session)
          return finish(self, flow->promise, std::move(session.error()));
        show_url(self, listener, true, session->auth_url, "sign in");
        flow->path = "/v1/auth/sessions/" + session->session_token;
        poll_until<auth_status>(
            self, flow,
            [](auth_status& s) -> std::optional<caf::expected<auth_status>> {
              if (s.status == "completed")
                return caf::expected<auth_status>{std::move(s)};
              if (s.status == "expired")
                return caf::expected<auth_status>{
                    to_caf_error(error_code::connect_session_expired,
                                 "the sign-in session expired")};
              return std::nullopt;
            });
      },
      [=](caf::error& err) mutable { finish(self, flow->promise, std::move(err)); });
  return flow->promise;
}

} // namespace alter::detail
