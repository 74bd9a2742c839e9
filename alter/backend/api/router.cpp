#include "alter/backend/api/router.hpp"

#include <chrono>
#include <stdexcept>

#include "alter/auth/crypto.hpp"
#include "alter/auth/scope_table.hpp"
#include "alter/backend/api/handler_failure.hpp"
#include "alter/backend/api/request_text.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

std::string_view name_of(route_group group) noexcept {
  switch (group) {
    case route_group::api:
      return "api";
    case route_group::approval_pages:
      return "approval_pages";
    case route_group::interactive_pages:
      return "interactive_pages";
    case route_group::well_known:
      return "well_known";
  }
  return "unknown";
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/'
        || path.front() != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pseg = pattern.substr(0, pattern.find('/'));
    auto seg = path.substr(0, path.find('/'));
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (seg.empty())
        return false;
      auto decoded = net::percent_decode(seg);
      if (!decoded)
        return false;
      params[std::string{pseg.substr(1, pseg.size() - 2)}] = std::move(*decoded);
    } else if (pseg != seg) {
      return false;
    }
    pattern.remove_prefix(pseg.size());
    path.remove_prefix(seg.size());
  }
  return true;
}

http_response no_such_endpoint() {
  http_response res;
  res.status = 404;
  res.headers.push_back({"Content-Type", "application/json"});
  res.body = error_envelope(make_error(error_code::not_found, "no such endpoint"));
  return res;
}

void router::add_group(route_group_spec spec) {
  for (const auto& g : groups_)
    if (g.group == spec.group)
      throw std::logic_error{"route group added twice"};
  if (!spec.no_route || !spec.fail || spec.prefixes.empty())
    throw std::logic_error{"a route group needs prefixes, no_route and fail"};
  groups_.push_back(std::move(spec));
}

void router::add(route r) {
  bool known_group = false;
  for (const auto& g : groups_)
    known_group = known_group || g.group == r.group;
  if (!known_group)
    throw std::logic_error{"route of a group not added yet"};
  if (!r.scope.empty() && !is_catalogued_scope(r.scope))
    throw std::logic_error{"route scope not in the scope table: "
                           + std::string{r.scope}};
  for (const auto& other : routes_)
    if (other.method == r.method && other.pattern == r.pattern)
      throw std::logic_error{"route added twice: " + std::string{r.pattern}};
  if (!r.handler)
    throw std::logic_error{"route without a handler"};
  routes_.push_back(std::move(r));
}

void router::add(std::initializer_list<route> rs) {
  for (const auto& r : rs)
    add(r);
}

const route_group* router::group_of(std::string_view target) const noexcept {
  const auto* spec = group_for(target);
  return spec == nullptr ? nullptr : &spec->group;
}

const route_group_spec* router::group_for(std::string_view target) const noexcept {
  for (const auto& g : groups_)
    for (auto prefix : g.prefixes)
      if (target.substr(0, prefix.size()) == prefix)
        return &g;
  return nullptr;
}

const route* router::route_for(std::string_view method, std::string_view target) const {
  auto path = net::path_of(target);
  std::map<std::string, std::string> params;
  for (const auto& r : routes_)
    if (r.method == method && match_pattern(r.pattern, path, params))
      return &r;
  return nullptr;
}

void router::handle(server_request req, responder respond) const {
  auto call = std::make_shared<api_call>();
  call->request_id = "req_" + crypto::random_hex(8);
  if (observer_) {
    // Told when the answer goes: by then the call knows its route and who
    // made it. Nothing is copied for the observer; it reads the call.
    respond = [this, weak = std::weak_ptr<api_call>{call},
               inner = std::move(respond)](http_response res) {
      // Counted before the answer goes: a client that reads /metrics after
      // its answer finds its request in it.
      if (auto c = weak.lock()) {
        // Refused before routing (authentication): the route it asked for.
        const auto* r = c->matched != nullptr
                            ? c->matched
                            : route_for(c->request.method, c->request.target);
        observer_(answered_request{*c, r, res.status,
                                   std::chrono::duration<double, std::milli>(
                                       std::chrono::steady_clock::now() - c->started)
                                       .count()});
      }
      inner(std::move(res));
    };
  }
  call->respond = std::move(respond);
  call->request = std::move(req);
  const auto* group = group_for(call->request.target);
  if (group == nullptr)
    return call->respond(no_such_endpoint());
  try {
    // Before any step: authentication already reads the store with the path's
    // and the body's text in hand.
    if (auto refused = refusal_of_text(call->request, group->body))
      return group->fail(call, std::move(*refused));
    for (const auto& step : group->before_routing)
      if (!step(call))
        return;
    auto path = net::path_of(call->request.target);
    bool path_known = false;
    for (const auto& r : routes_) {
      if (r.group != group->group || !match_pattern(r.pattern, path, call->params))
        continue;
      path_known = true;
      if (r.method == call->request.method) {
        call->matched = &r;
        break;
      }
    }
    if (call->matched == nullptr)
      return group->no_route(call, path_known);
    for (const auto& step : group->after_routing)
      if (!step(call))
        return;
    call->matched->handler(call);
  } catch (const std::exception&) {
    group->fail(call, error_of_current_exception());
  }
}

} // namespace alter::backend
