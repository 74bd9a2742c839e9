// The HTTP methods a provider call may use, as typed values that still read as
// the strings the wire and the Python SDK use (HttpMethod.GET == "GET"):
//
//   call.method = alter::http_method::post;   // or "POST", or "post"
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace alter {

class http_method {
public:
  enum class verb : uint8_t { get, head, post, put, patch, delete_, options };

  static const http_method get;
  static const http_method head;
  static const http_method post;
  static const http_method put;
  static const http_method patch;
  static const http_method delete_;
  static const http_method options;

  constexpr explicit http_method(verb v) noexcept : verb_(v) {
  }

  /// The method named by `text`, ignoring ASCII case; nullopt for anything else.
  static std::optional<http_method> parse(std::string_view text) noexcept;

  constexpr verb value() const noexcept {
    return verb_;
  }
  /// The upper-case name: "GET", "DELETE", ...
  std::string_view name() const noexcept;
  operator std::string_view() const noexcept {
    return name();
  }
  /// RFC 9110's safe methods: GET, HEAD, OPTIONS.
  constexpr bool safe() const noexcept {
    return verb_ == verb::get || verb_ == verb::head || verb_ == verb::options;
  }

  friend constexpr bool operator==(http_method a, http_method b) noexcept {
    return a.verb_ == b.verb_;
  }
  friend constexpr bool operator!=(http_method a, http_method b) noexcept {
    return a.verb_ != b.verb_;
  }

private:
  verb verb_;
};

inline constexpr http_method http_method::get{verb::get};
inline constexpr http_method http_method::head{verb::head};
inline constexpr http_method http_method::post{verb::post};
inline constexpr http_method http_method::put{verb::put};
inline constexpr http_method http_method::patch{verb::patch};
inline constexpr http_method http_method::delete_{verb::delete_};
inline constexpr http_method http_method::options{verb::options};

std::string_view to_string(http_method m) noexcept;

/// "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS": for error messages.
std::string_view http_method_names() noexcept;

} // namespace alter
