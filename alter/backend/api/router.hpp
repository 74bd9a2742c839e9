// The backend's one router. Every request belongs to a route group, chosen by
// its path prefix (/v1/, /approvals/, /connect/ and /auth/, /.well-known/); a
// group runs its middleware chain around the route table's entry for the
// request. Routes are declarative entries (method, pattern, group, scope from
// auth/scope_table.hpp, flags, handler) added with router::add; the table can
// be listed (tests keep docs/protocol.md and docs/openapi.yaml equal to it).
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alter/backend/api/api_call.hpp"

namespace alter::backend {

/// What the router's observer learns of one answer (the request log,
/// /metrics): views into the call, valid during the observer's call only.
struct answered_request {
  const api_call& call;
  /// The route that answered or was asked for; null for none.
  const route* matched;
  int status;
  double latency_ms;
};

enum class route_group {
  /// /v1/: signed-key authentication, scope, media type, paused agent.
  api,
  /// /approvals/: same-origin forms, approver session cookie, CSRF.
  approval_pages,
  /// /connect/ and /auth/: same-origin forms; the session token is the link.
  interactive_pages,
  /// /.well-known/: public documents (the JWKS), no middleware.
  well_known,
};

std::string_view name_of(route_group group) noexcept;

/// How an approval page route treats the approver session (approval_pages.hpp).
enum class approver_access {
  /// A session is used when present; unsafe methods then need its CSRF token.
  optional,
  /// Signed-out visitors get the sign-in form instead.
  signed_in,
  /// The sign-in form itself: it makes a session, so it carries no CSRF token.
  starts_session,
};

using route_handler = std::function<void(const api_call_ptr&)>;

/// One entry of the route table: method, pattern, scope and handler, then the
/// flags that differ from the defaults:
///   route{"GET", "/v1/me", {}, handler}.allowing_inactive_agent()
///   route{"POST", "/approvals/login", {}, handler}
///       .in(route_group::approval_pages).with(approver_access::starts_session)
struct route {
  route(std::string_view method, std::string_view pattern, std::string_view scope,
        route_handler handler)
      : method(method), pattern(pattern), scope(scope), handler(std::move(handler)) {
  }

  route in(route_group g) && {
    group = g;
    return std::move(*this);
  }
  route allowing_inactive_agent() && {
    allows_inactive_agent = true;
    return std::move(*this);
  }
  route checking_key_scope_only() && {
    key_scope_only = true;
    return std::move(*this);
  }
  route with(approver_access access) && {
    approver = access;
    return std::move(*this);
  }

  std::string_view method;
  /// Segments; "{name}" matches one segment and lands in api_call::params.
  std::string_view pattern;
  /// The key scope a /v1 route needs (a name of the scope table); empty: any
  /// valid key.
  std::string_view scope;
  route_handler handler;
  route_group group = route_group::api;
  /// Whether a paused (inactive) agent may still call it (only /v1/me).
  bool allows_inactive_agent = false;
  /// Whether the scope is checked against the key alone, not its constraints:
  /// the SDK's own bookkeeping (audit reports) works for constrained clients.
  bool key_scope_only = false;
  approver_access approver = approver_access::optional;
};

/// One step of a group's chain: true to go on, false when it has answered.
using middleware = std::function<bool(const api_call_ptr&)>;

/// How a group's requests carry text in their bodies (request_text.hpp checks
/// it before any step runs).
enum class body_format {
  /// JSON (/v1/, /.well-known/).
  json,
  /// application/x-www-form-urlencoded, percent-decoded (the pages).
  form,
};

/// What a group does around its routes.
struct route_group_spec {
  route_group group;
  /// Target prefixes that select the group.
  std::vector<std::string_view> prefixes;
  /// Steps before the route is known to exist (/v1 authenticates first, so an
  /// unknown path tells an unauthenticated caller nothing).
  std::vector<middleware> before_routing;
  /// Answers a request no route of the group serves; `path_known`: another
  /// method would have matched.
  std::function<void(const api_call_ptr&, bool path_known)> no_route;
  /// Steps once call->route is set.
  std::vector<middleware> after_routing;
  body_format body = body_format::json;
  /// Answers, in the group's own form (the error envelope, a page), what the
  /// router itself decided: text no store can hold (400, before any step), or a
  /// step or the handler that threw (handler_failure.hpp: 503 with
  /// retry_after_ms when the store is unavailable, else 500). An exception must
  /// not take the I/O thread, and with it the server, down.
  std::function<void(const api_call_ptr&, alter_error)> fail;
};

class router {
public:
  /// Throws std::logic_error for a group added twice or without no_route and
  /// fail.
  void add_group(route_group_spec spec);

  /// Throws std::logic_error for a route of an unknown group, a method and
  /// pattern already taken, or a scope the scope table does not name.
  void add(route r);
  void add(std::initializer_list<route> rs);

  /// Every route, in the order added.
  const std::vector<route>& table() const noexcept {
    return routes_;
  }

  /// Runs the request's group chain and route handler on the calling thread
  /// (a worker: they use the store), after the text check (request_text.hpp);
  /// the answer may come later, from any thread.
  void handle(server_request req, responder respond) const;

  /// The group whose prefix `target` starts with; null for none. Cheap: a
  /// few prefix comparisons (admission classifies with it on the I/O thread).
  const route_group* group_of(std::string_view target) const noexcept;

  /// Told of every answer, once it is handed on (the request log, /metrics);
  /// runs on whichever thread answers.
  void set_answer_observer(std::function<void(const answered_request&)> observer) {
    observer_ = std::move(observer);
  }

private:
  const route_group_spec* group_for(std::string_view target) const noexcept;
  /// The route `method` and `target` would take; null for none.
  const route* route_for(std::string_view method, std::string_view target) const;

  std::vector<route_group_spec> groups_;
  std::vector<route> routes_;
  std::function<void(const answered_request&)> observer_;
};

/// The JSON 404 of a target no group serves.
http_response no_such_endpoint();

/// Matches "/v1/agents/{id}" against a path; fills `params` on success.
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params);

} // namespace alter::backend
