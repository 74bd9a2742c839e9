#include "alter/backend/http/html_page.hpp"

#include <algorithm>
#include <cctype>

#include "alter/messages/retry_after.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters would only confuse a reader; show them as '?'.
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\n') ? '?' : c;
    }
  }
  return out;
}

http_response page(int status, const std::string& title, const std::string& body) {
  http_response res;
  res.status = status;
  res.headers = {{"Content-Type", "text/html; charset=utf-8"},
                 {"Cache-Control", "no-store"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"X-Frame-Options", "DENY"},
                 {"Referrer-Policy", "same-origin"},
                 {"Content-Security-Policy",
                  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                  "frame-ancestors 'none'; base-uri 'none'"}};
  res.body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>"
             + escape_html(title)
             + "</title><style>body{font-family:sans-serif;max-width:44em;margin:2em "
               "auto}th{text-align:left;padding-right:1em}td{word-break:break-all}"
               "button{font-size:1.1em;margin-right:1em}</style></head><body><h1>"
             + escape_html(title) + "</h1>" + body + "</body></html>";
  return res;
}

void allow_form_redirect_to(http_response& page, std::string_view url) {
  auto parsed = net::parse_url(url);
  if (!parsed)
    return;
  auto origin = parsed->where.origin();
  // Nothing that could end the directive or add a source of its own.
  bool plain = std::all_of(origin.begin(), origin.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'
           || c == ':' || c == '/' || c == '[' || c == ']';
  });
  if (origin.empty() || !plain)
    return;
  constexpr std::string_view own = "form-action 'self'";
  for (auto& h : page.headers)
    if (iequals(h.name, "content-security-policy"))
      if (auto at = h.value.find(own); at != std::string::npos)
        h.value.insert(at + own.size(), " " + origin);
}

http_response error_page(const alter_error& e) {
  auto status = http_status_of(e.code);
  if (status == 0)
    status = 500;
  auto title = status == 503 ? "Unavailable" : status >= 500 ? "Failed" : "Bad request";
  auto body = "<p>" + escape_html(e.message) + "</p>";
  if (status >= 500)
    body += "<p>Try again in a moment.</p>";
  auto res = page(status, title, body);
  if (auto after = retry_after_value(e.retry_after_ms); !after.empty())
    res.headers.push_back({"Retry-After", std::move(after)});
  return res;
}

http_response redirect(const std::string& location, std::string cookie) {
  http_response res;
  res.status = 303;
  res.headers = {{"Location", location}, {"Cache-Control", "no-store"}};
  if (!cookie.empty())
    res.headers.push_back({"Set-Cookie", std::move(cookie)});
  return res;
}

/// application/x-www-form-urlencoded fields.
field_list form_fields(std::string_view body) {
  field_list out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    auto eq = pair.find('=');
    auto decode = [](std::string_view s) {
      std::string plus_free{s};
      for (auto& c : plus_free)
        if (c == '+')
          c = ' ';
      return net::percent_decode(plus_free).value_or(std::string{});
    };
    out.push_back({decode(pair.substr(0, eq)), eq == std::string_view::npos
                                                   ? std::string{}
                                                   : decode(pair.substr(eq + 1))});
  }
  return out;
}

std::string field_or_empty(const field_list& xs, std::string_view name) {
  const auto* v = find_field(xs, name);
  return v ? *v : std::string{};
}

} // namespace alter::backend
