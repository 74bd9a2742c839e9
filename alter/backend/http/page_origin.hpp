// Cross-site request forgery guard of the HTML pages (approvals, Connect
// consent, sign-in): a form POST is honoured only when the browser says it
// comes from the backend's own origin. The Origin header decides; when it is
// absent or "null", the Referer's origin does; when neither is there, the
// request is refused (fail closed). Modern browsers send Origin on every POST;
// the pages' Referrer-Policy (same-origin) keeps it from being "null".
#pragma once

#include <optional>
#include <string_view>

#include "alter/backend/http/http_server.hpp"

namespace alter::backend {

enum class origin_verdict {
  same_origin,
  /// Origin (or Referer) names another origin.
  cross_origin,
  /// Neither header says where the request comes from.
  unknown_origin,
};

/// `own_origin` is the backend's base URL, e.g. "https://127.0.0.1:8443".
origin_verdict check_origin(const server_request& req, std::string_view own_origin);

/// Whether the method can change state (anything but GET and HEAD).
bool is_state_changing(std::string_view method) noexcept;

/// The error code pages answer a refused request with, in the
/// X-Alter-Error-Code header and the page (docs/security.md).
constexpr const char* cross_origin_error_code = "cross_origin_request";

/// 403 page naming cross_origin_error_code.
http_response cross_origin_refusal();

/// The refusal of a state-changing request that does not come from
/// `own_origin`; nullopt for a request the pages may serve.
std::optional<http_response> cross_origin_form_refusal(const server_request& req,
                                                       std::string_view own_origin);

} // namespace alter::backend
