// Admission control per request class (Envoy's overload manager and circuit
// breakers as the model): each class has a bound on the requests admitted and
// not yet answered; beyond it a request is answered at once with 503
// service_unavailable and Retry-After, before any store work. The class comes
// from the request line alone, on the I/O thread, so a flood of one kind
// (long-polls, pages) cannot take the workers the credential calls need.
//
//   auto ticket = admission.try_admit(request_class::credential);
//   if (!ticket) return respond(overloaded_answer());
//   workers.post([..., respond = holding(std::move(ticket), respond)] {...});
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "alter/backend/api/router.hpp"
#include "alter/backend/http/http_server.hpp"

namespace alter::backend {

enum class request_class {
  /// POST /v1/tokens/retrieve and /v1/proxy/execute: what agents run on.
  credential,
  /// Every other /v1 call (agents, keys, grants, rules, audit...).
  admin,
  /// Approval pages, Connect and sign-in pages, /.well-known.
  page,
  /// GET /v1/approvals/{id}?wait=: held open without a worker while it waits.
  long_poll,
};

constexpr std::size_t request_class_count = 4;

std::string_view name_of(request_class c) noexcept;

/// The class of a request of route group `group` (router::group_of); a target
/// no group serves counts as admin. Looks at the method and target only.
request_class classify_request(const route_group* group, std::string_view method,
                               std::string_view target) noexcept;

/// Requests admitted and not yet answered, per class. The defaults: credential
/// calls are the product, so they get the most room (a proxied call mostly
/// waits for its provider, not for a worker); admin calls and pages are rare
/// and each costs a worker for its whole (short) life; long-polls hold only a
/// timer while they wait, so many may wait at once.
struct admission_limits {
  std::size_t credential = 256;
  std::size_t admin = 64;
  std::size_t page = 64;
  std::size_t long_poll = 1024;
  /// Beyond the counts: while the oldest request queued for a worker has
  /// waited longer than this, new requests of every class but long-polls are
  /// refused (zero: never). A count bounds the work in flight, not how long it
  /// waits; this bounds the wait, whatever the store's speed (CoDel's idea:
  /// shed on queueing delay, the one signal that says a queue is standing).
  /// 50 ms: a commit on a disk takes 5 to 20 ms, and a request waits twice
  /// (itself, then its upstream answer); more than that is a standing queue.
  std::chrono::milliseconds max_queue_delay{50};

  std::size_t bound_of(request_class c) const noexcept;
};

/// Counts shared by the control and its tickets (tickets may outlive it).
struct admission_counters {
  std::array<std::atomic<std::size_t>, request_class_count> in_flight{};
  std::array<std::atomic<std::uint64_t>, request_class_count> rejected{};
};

/// One admitted request's place; given back exactly once, by release() or
/// by destruction, whichever comes first. Move-only.
class admission_ticket {
public:
  admission_ticket() = default;
  admission_ticket(std::shared_ptr<admission_counters> counters, request_class c)
      : counters_(std::move(counters)), class_(c) {
  }
  ~admission_ticket() {
    release();
  }
  admission_ticket(admission_ticket&& other) noexcept
      : counters_(std::move(other.counters_)), class_(other.class_) {
  }
  admission_ticket& operator=(admission_ticket&& other) noexcept;
  admission_ticket(const admission_ticket&) = delete;
  admission_ticket& operator=(const admission_ticket&) = delete;

  explicit operator bool() const noexcept {
    return counters_ != nullptr;
  }

  void release() noexcept;

private:
  std::shared_ptr<admission_counters> counters_;
  request_class class_ = request_class::admin;
};

class admission_control {
public:
  explicit admission_control(admission_limits limits = {});

  /// A ticket, or an empty one (and a rejection counted) when the class is at
  /// its bound, or when `queue_delay` (the workers' queue now) is over
  /// max_queue_delay and the class is not long_poll. Lock-free: one atomic
  /// add, one more to undo a rejection.
  admission_ticket try_admit(request_class c,
                             std::chrono::steady_clock::duration queue_delay = {});

  std::size_t in_flight(request_class c) const noexcept;
  std::uint64_t rejected(request_class c) const noexcept;
  const admission_limits& limits() const noexcept {
    return limits_;
  }

private:
  admission_limits limits_;
  std::shared_ptr<admission_counters> counters_;
};

/// `respond`, holding `ticket` until the answer is handed to it; a responder
/// dropped without answering (its call lost to a bug) gives the ticket back
/// when the last copy goes.
responder holding(admission_ticket ticket, responder respond);

/// Seconds a refused client is told to wait: admitted work drains in
/// milliseconds to a few seconds, and 1 is the shortest whole-second value
/// Retry-After can say; the SDK's jittered retries spread the comeback.
constexpr int overload_retry_after_seconds = 1;

/// 503 service_unavailable with Retry-After, in the error envelope.
http_response overloaded_answer(request_class c);

} // namespace alter::backend
