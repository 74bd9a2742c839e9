// /healthz and /readyz, for what runs the backend (an orchestrator's probes, a
// load balancer): no key, JSON {"status": ...}, never cached.
//   /healthz: 200 "alive" while the process serves requests at all; answered
//             on the I/O thread, whatever the load.
//   /readyz:  200 "ready" when the backend would take new work: it is not
//             shedding load (admission.hpp) and the database answers a read;
//             else 503 "shedding" or "database_unavailable".
// A readiness probe takes an admin ticket like any admin call, so a flood of
// probes is bounded as the rest is (refused: "shedding").
#pragma once

#include <optional>
#include <string_view>

#include "alter/backend/http/http_server.hpp"

namespace alter::backend {

enum class health_probe { liveness, readiness };

constexpr std::string_view liveness_path = "/healthz";
constexpr std::string_view readiness_path = "/readyz";

/// The probe a request asks for: GET /healthz or /readyz (any query).
std::optional<health_probe> health_probe_of(const server_request& req) noexcept;

/// What readiness found.
enum class readiness { ready, shedding, database_unavailable };

std::string_view to_string(readiness r) noexcept;

http_response liveness_answer();

http_response readiness_answer(readiness r);

} // namespace alter::backend
