#include "alter/backend/api/request_text.hpp"

#include <string>

#include "alter/messages/hex_digit.hpp"
#include "alter/messages/utf8.hpp"

namespace alter::backend {

bool decodes_to_text(std::string_view text) noexcept {
  // Fast path: nothing encoded and nothing outside ASCII (NUL aside).
  bool plain = true;
  for (char c : text)
    plain = plain && c != '%' && c != '\0' && static_cast<unsigned char>(c) < 0x80;
  if (plain)
    return true;
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    int hi = -1;
    int lo = -1;
    if (text[i] == '%' && i + 2 < text.size()) {
      hi = hex_digit_value(text[i + 1]);
      lo = hex_digit_value(text[i + 2]);
    }
    if (hi >= 0 && lo >= 0) {
      decoded.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded.find('\0') == std::string::npos && is_valid_utf8(decoded);
}

bool has_escaped_nul(std::string_view json) noexcept {
  // In JSON a backslash only starts an escape: skip each escape whole, so
  // "\\u0000" (an escaped backslash, then text) is no NUL.
  for (std::size_t i = 0; i + 1 < json.size(); ++i) {
    if (json[i] != '\\')
      continue;
    if (json[i + 1] == 'u' && json.substr(i + 2, 4) == "0000")
      return true;
    ++i;
  }
  return false;
}

std::optional<alter_error> refusal_of_text(const server_request& req,
                                           body_format body) {
  if (!decodes_to_text(req.target))
    return make_error(error_code::invalid_request,
                      "the path and query must be UTF-8 text without NUL once "
                      "percent-decoded");
  if (req.body.empty())
    return std::nullopt;
  switch (body) {
    case body_format::json:
      if (!is_valid_utf8(req.body))
        return make_error(error_code::malformed_json,
                          "body is not valid JSON: it is not UTF-8 text");
      if (has_escaped_nul(req.body))
        return make_error(error_code::invalid_request,
                          "text in the body must not hold a NUL (\\u0000)");
      break;
    case body_format::form:
      if (!decodes_to_text(req.body))
        return make_error(error_code::invalid_request,
                          "form fields must be UTF-8 text without NUL once "
                          "percent-decoded");
      break;
  }
  return std::nullopt;
}

} // namespace alter::backend
