#include "alter/backend/api/health_probes.hpp"

#include <string>

#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

http_response status_answer(int status, std::string_view text) {
  http_response res;
  res.status = status;
  res.headers = {{"Content-Type", "application/json"},
                 {"Cache-Control", "no-store"},
                 {"X-Content-Type-Options", "nosniff"}};
  res.body = "{\"status\":\"" + std::string{text} + "\"}";
  return res;
}

} // namespace

std::optional<health_probe> health_probe_of(const server_request& req) noexcept {
  if (req.method != "GET")
    return std::nullopt;
  auto path = net::path_of(req.target);
  if (path == liveness_path)
    return health_probe::liveness;
  if (path == readiness_path)
    return health_probe::readiness;
  return std::nullopt;
}

std::string_view to_string(readiness r) noexcept {
  switch (r) {
    case readiness::ready:
      return "ready";
    case readiness::shedding:
      return "shedding";
    case readiness::database_unavailable:
      return "database_unavailable";
  }
  return "shedding";
}

http_response liveness_answer() {
  return status_answer(200, "alive");
}

http_response readiness_answer(readiness r) {
  return status_answer(r == readiness::ready ? 200 : 503, to_string(r));
}

} // namespace alter::backend
