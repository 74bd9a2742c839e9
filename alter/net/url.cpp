#include "alter/net/url.hpp"

#include <charconv>

#include "alter/messages/hex_digit.hpp"

namespace alter::net {

namespace {

bool set_why(std::string* why, const char* text) {
  if (why != nullptr)
    *why = text;
  return false;
}

bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
         || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_host_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
         || c == '-' || c == '.';
}

} // namespace

std::optional<url> parse_url(std::string_view text, std::string* why) {
  url out;
  auto fail = [&](const char* reason) -> std::optional<url> {
    set_why(why, reason);
    return std::nullopt;
  };
  if (text.size() > 8192)
    return fail("URL longer than 8192 characters");
  for (char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      return fail("URL contains a space or control character");
  if (text.rfind("https://", 0) == 0) {
    out.where.scheme = "https";
    out.where.port = 443;
    text.remove_prefix(8);
  } else if (text.rfind("http://", 0) == 0) {
    out.where.scheme = "http";
    out.where.port = 80;
    text.remove_prefix(7);
  } else {
    return fail("URL must start with http:// or https://");
  }
  if (text.find('#') != std::string_view::npos)
    return fail("URL must not contain a fragment");
  auto authority_end = text.find_first_of("/?");
  auto authority = text.substr(0, authority_end);
  auto rest = authority_end == std::string_view::npos ? std::string_view{}
                                                      : text.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return fail("URL must not contain user information");
  auto colon = authority.rfind(':');
  auto host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port_text = authority.substr(colon + 1);
    unsigned port = 0;
    auto [ptr, ec]
        = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0
        || port > 65535)
      return fail("URL port must be a number from 1 to 65535");
    out.where.port = static_cast<uint16_t>(port);
  }
  if (host.empty() || host.size() > 253)
    return fail("URL has no valid host");
  for (char c : host)
    if (!is_host_char(c))
      return fail("URL host may only hold letters, digits, '-' and '.'");
  out.where.host = std::string{host};
  out.target = rest.empty() || rest.front() == '?' ? "/" + std::string{rest}
                                                   : std::string{rest};
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += digits[b >> 4];
      out += digits[b & 0xF];
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size())
        return std::nullopt;
      auto hi = hex_digit_value(text[i + 1]);
      auto lo = hex_digit_value(text[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::string>
fill_path_params(std::string_view u, const field_list& params, std::string* why) {
  std::string out;
  out.reserve(u.size());
  while (!u.empty()) {
    auto open = u.find('{');
    out.append(u.substr(0, open));
    if (open == std::string_view::npos)
      break;
    auto close = u.find('}', open);
    if (close == std::string_view::npos) {
      set_why(why, "URL has a '{' without a closing '}'");
      return std::nullopt;
    }
    auto name = u.substr(open + 1, close - open - 1);
    const auto* value = find_field(params, name);
    if (value == nullptr) {
      if (why != nullptr)
        *why = "URL placeholder {" + std::string{name} + "} has no path_params value";
      return std::nullopt;
    }
    out += percent_encode(*value);
    u.remove_prefix(close + 1);
  }
  return out;
}

std::string append_query(std::string u, const field_list& params) {
  if (params.empty())
    return u;
  char sep = u.find('?') == std::string::npos ? '?' : '&';
  for (const auto& p : params) {
    u += sep;
    u += percent_encode(p.name);
    u += '=';
    u += percent_encode(p.value);
    sep = '&';
  }
  return u;
}

std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) noexcept {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto query = query_of(target);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq));
    if (key && *key == name)
      return eq == std::string_view::npos ? std::string{}
                                          : percent_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

} // namespace alter::net
