#include "alter/backend/api/admission.hpp"

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

std::size_t index_of(request_class c) noexcept {
  return static_cast<std::size_t>(c);
}

/// "/v1/approvals/{id}" with exactly one segment after the prefix.
bool is_approval_status(std::string_view path) noexcept {
  constexpr std::string_view prefix = "/v1/approvals/";
  if (path.substr(0, prefix.size()) != prefix)
    return false;
  auto id = path.substr(prefix.size());
  return !id.empty() && id.find('/') == std::string_view::npos;
}

/// Whether the query names a `wait` or `wait_ms` parameter (any value: the route checks
/// it).
bool asks_to_wait(std::string_view target) noexcept {
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return false;
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto param = query.substr(0, query.find('&'));
    auto name = param.substr(0, param.find('='));
    if (name == "wait" || name == "wait_ms")
      return true;
    query.remove_prefix(std::min(query.size(), param.size() + 1));
  }
  return false;
}

} // namespace

std::string_view name_of(request_class c) noexcept {
  switch (c) {
    case request_class::credential:
      return "credential";
    case request_class::admin:
      return "admin";
    case request_class::page:
      return "page";
    case request_class::long_poll:
      return "long_poll";
  }
  return "unknown";
}

request_class classify_request(const route_group* group, std::string_view method,
                               std::string_view target) noexcept {
  if (group == nullptr)
    return request_class::admin;
  if (*group != route_group::api)
    return request_class::page;
  auto path = net::path_of(target);
  if (path == "/v1/tokens/retrieve" || path == "/v1/proxy/execute")
    return request_class::credential;
  if (method == "GET" && is_approval_status(path) && asks_to_wait(target))
    return request_class::long_poll;
  return request_class::admin;
}

std::size_t admission_limits::bound_of(request_class c) const noexcept {
  switch (c) {
    case request_class::credential:
      return credential;
    case request_class::admin:
      return admin;
    case request_class::page:
      return page;
    case request_class::long_poll:
      return long_poll;
  }
  return 0;
}

admission_ticket& admission_ticket::operator=(admission_ticket&& other) noexcept {
  if (this != &other) {
    release();
    counters_ = std::move(other.counters_);
    class_ = other.class_;
  }
  return *this;
}

void admission_ticket::release() noexcept {
  if (!counters_)
    return;
  counters_->in_flight[index_of(class_)].fetch_sub(1, std::memory_order_acq_rel);
  counters_.reset();
}

admission_control::admission_control(admission_limits limits)
    : limits_(limits), counters_(std::make_shared<admission_counters>()) {
}

admission_ticket
admission_control::try_admit(request_class c,
                             std::chrono::steady_clock::duration delay) {
  // A long-poll's worker time is a read; it then waits on a timer, and
  // refusing it would only bring its client back sooner.
  if (c != request_class::long_poll && limits_.max_queue_delay.count() > 0
      && delay > limits_.max_queue_delay) {
    counters_->rejected[index_of(c)].fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  auto& n = counters_->in_flight[index_of(c)];
  if (n.fetch_add(1, std::memory_order_acq_rel) >= limits_.bound_of(c)) {
    n.fetch_sub(1, std::memory_order_acq_rel);
    counters_->rejected[index_of(c)].fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  return admission_ticket{counters_, c};
}

std::size_t admission_control::in_flight(request_class c) const noexcept {
  return counters_->in_flight[index_of(c)].load(std::memory_order_acquire);
}

std::uint64_t admission_control::rejected(request_class c) const noexcept {
  return counters_->rejected[index_of(c)].load(std::memory_order_relaxed);
}

responder holding(admission_ticket ticket, responder respond) {
  // The responder is copyable; the ticket is not: the copies share it.
  auto held = std::make_shared<admission_ticket>(std::move(ticket));
  return [held, respond = std::move(respond)](http_response res) {
    held->release();
    respond(std::move(res));
  };
}

http_response overloaded_answer(request_class c) {
  auto e = make_error(error_code::service_unavailable,
                      "the backend is at its limit for " + std::string{name_of(c)}
                          + " requests; retry after the Retry-After delay");
  e.request_id = "req_" + crypto::random_hex(8);
  http_response res;
  res.status = http_status_of(e.code);
  res.headers = {{"Content-Type", "application/json"},
                 {"Cache-Control", "no-store"},
                 {"X-Content-Type-Options", "nosniff"},
                 {std::string{header::request_id}, e.request_id},
                 {"Retry-After", std::to_string(overload_retry_after_seconds)}};
  res.body = error_envelope(e);
  return res;
}

} // namespace alter::backend
