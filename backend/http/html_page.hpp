// What the backend's HTML pages (approvals, Connect consent, sign-in) share:
// escaping, the page frame with its protective headers, redirects and forms.
#pragma once

#include <string>
#include <string_view>

#include "messages/alter_error.hpp"
#include "messages/field.hpp"
#include "messages/http_message.hpp"

namespace alter::backend {

std::string escape_html(std::string_view text);

/// A page under a strict Content-Security-Policy that frames nothing and is
/// framed by nothing; `body` is trusted HTML (escape what goes into it).
http_response page(int status, const std::string& title, const std::string& body);

/// The page of an error the router decided (route_group_spec::fail): the
/// code's status, the message, Retry-After when the error says when to come
/// back.
http_response error_page(const alter_error& e);

/// 303 See Other, optionally setting a cookie.
http_response redirect(const std::string& location, std::string cookie = {});

/// application/x-www-form-urlencoded fields.
field_list form_fields(std::string_view body);

std::string field_or_empty(const field_list& xs, std::string_view name);

} // namespace alter::backend
