// The one cookie reader of the pages (approval sessions, Connect's browser
// binding): a request's Cookie header, read by name.
#pragma once

#include <string>
#include <string_view>

#include "alter/backend/http/http_server.hpp"

namespace alter::backend {

/// The value of cookie `name` in the request's Cookie header; "" when absent.
std::string cookie_value(const server_request& req, std::string_view name);

} // namespace alter::backend
