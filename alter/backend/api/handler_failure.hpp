// What a request whose step or handler threw is answered: the router maps the
// exception to an error once, for every route group, and the group renders it
// (the error envelope, a page).
//
//   } catch (const std::exception&) {
//     group->fail(call, error_of_current_exception());
//   }
#pragma once

#include "alter/messages/alter_error.hpp"

namespace alter::backend {

/// Seconds a caller is told to wait when the store could not serve it (no
/// connection free within the pool's wait, the server unreachable): a pool
/// drains within its wait, a restarting server comes back in seconds, and the
/// SDK's retry budget bounds how often a swarm comes back meanwhile.
constexpr int store_retry_after_seconds = 1;

/// 503 service_unavailable with retry_after_ms (the store call that failed
/// wrote nothing). The message names neither the database nor the reason: the
/// exception's text names the server, and it reaches no client.
alter_error store_unavailable_error();

/// Called inside a catch block: store_unavailable is store_unavailable_error(),
/// any other exception 500 internal_error (its text reaches no client).
alter_error error_of_current_exception();

} // namespace alter::backend
