// What the backend's HTML pages (approvals, Connect consent, sign-in) share:
// escaping, the page frame with its protective headers, redirects and forms.
#pragma once

#include <string>
#include <string_view>

#include "alter/messages/alter_error.hpp"
#include "alter/messages/field.hpp"
#include "alter/messages/http_message.hpp"

namespace alter::backend {

std::string escape_html(std::string_view text);

/// A page under a strict Content-Security-Policy that frames nothing and is
/// framed by nothing; `body` is trusted HTML (escape what goes into it).
http_response page(int status, const std::string& title, const std::string& body);

/// Lets the forms of `page` end up at the origin of `url` as well as at the
/// page's own: a browser applies CSP form-action to every redirect a form's
/// submission follows, so a form whose answer redirects to another origin (an
/// OAuth authorization request, its redirect back) needs that origin allowed.
/// A URL that does not parse, or whose origin is no plain scheme://host:port,
/// changes nothing.
void allow_form_redirect_to(http_response& page, std::string_view url);

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
