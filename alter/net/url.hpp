// Absolute http(s) URLs: parsing, percent-encoding, query and path parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "alter/messages/field.hpp"
#include "alter/net/endpoint.hpp"

namespace alter::net {

struct url {
  endpoint where;
  /// Origin-form target: path (at least "/") plus "?query" when present.
  std::string target;
};

/// Parses "http[s]://host[:port][/path][?query]". Rejects user info, fragments,
/// control characters, spaces and ports outside 1-65535; nullopt with `why` set.
std::optional<url> parse_url(std::string_view text, std::string* why = nullptr);

/// RFC 3986 percent-encoding of everything but unreserved characters.
std::string percent_encode(std::string_view text);

/// Replaces every "{name}" in `u` by the percent-encoded value of that path
/// parameter; an unknown placeholder sets `why` and returns nullopt.
std::optional<std::string> fill_path_params(std::string_view u,
                                            const field_list& params,
                                            std::string* why = nullptr);

/// Appends percent-encoded query parameters to a URL that may already have a query.
std::string append_query(std::string u, const field_list& params);

/// The path of an origin-form target, without the query.
std::string_view path_of(std::string_view target) noexcept;

/// The raw query of a target ("" without one).
std::string_view query_of(std::string_view target) noexcept;

/// The value of a query parameter, percent-decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

/// Decodes %XX and "+" (as space); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

} // namespace alter::net
