#include "alter/messages/alter_error.hpp"

#include <boost/json.hpp>

#include "caf/atom.hpp"
#include "caf/message.hpp"
#include "caf/sec.hpp"

namespace alter {

namespace {

constexpr auto alter_category = caf::atom("alter");

/// The details as an object; empty when they are not one (never throws: the
/// details may come from any backend).
boost::json::object details_of(const std::string& json_text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json_text, ec);
  if (ec || !v.is_object())
    return {};
  return std::move(v.get_object());
}

std::string string_member(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

} // namespace

std::string alter_error::detail(std::string_view key) const {
  return string_member(details_of(details_json), key);
}

std::string alter_error::required_scope() const {
  return detail("required_scope");
}

std::vector<std::string> alter_error::missing_scopes() const {
  std::vector<std::string> out;
  auto o = details_of(details_json);
  if (const auto* v = o.if_contains("missing_scopes"); v != nullptr && v->is_array())
    for (const auto& s : v->get_array())
      if (s.is_string())
        out.emplace_back(s.get_string());
  return out;
}

std::vector<grant_candidate> alter_error::candidates() const {
  std::vector<grant_candidate> out;
  auto o = details_of(details_json);
  if (const auto* v = o.if_contains("candidates"); v != nullptr && v->is_array())
    for (const auto& c : v->get_array())
      if (c.is_object())
        out.push_back({string_member(c.get_object(), "grant_id"),
                       string_member(c.get_object(), "account_identifier"),
                       string_member(c.get_object(), "label")});
  return out;
}

std::optional<std::chrono::milliseconds> alter_error::retry_after() const {
  if (retry_after_ms < 0)
    return std::nullopt;
  return std::chrono::milliseconds{retry_after_ms};
}

bool operator==(const alter_error& a, const alter_error& b) noexcept {
  return a.code == b.code && a.message == b.message && a.details_json == b.details_json
         && a.http_status == b.http_status && a.request_id == b.request_id
         && a.retry_after_ms == b.retry_after_ms && a.retries == b.retries;
}

alter_error make_error(error_code code, std::string message, std::string details_json) {
  alter_error e;
  e.code = code;
  e.message = std::move(message);
  e.details_json = std::move(details_json);
  return e;
}

std::string to_string(const alter_error& e) {
  std::string out{name_of(e.cls())};
  out += " (";
  out += name_of(e.code);
  out += ")";
  if (!e.message.empty()) {
    out += ": ";
    out += e.message;
  }
  return out;
}

caf::error to_caf_error(alter_error e) {
  // CAF reads code 0 as "no error": shift every code by one.
  auto code = static_cast<uint8_t>(static_cast<uint8_t>(e.code) + 1);
  return caf::error{code, alter_category, caf::make_message(std::move(e))};
}

caf::error to_caf_error(error_code code, std::string message) {
  return to_caf_error(make_error(code, std::move(message)));
}

alter_error from_caf_error(const caf::error& e) {
  if (e.category() == alter_category) {
    const auto& ctx = e.context();
    if (ctx.match_elements<alter_error>())
      return ctx.get_as<alter_error>(0);
    return make_error(static_cast<error_code>(e.code() - 1), "error without details");
  }
  if (e.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(e.code())) {
      case caf::sec::request_timeout:
        return make_error(error_code::timeout, "the call did not finish in time");
      case caf::sec::request_receiver_down:
        return make_error(error_code::client_closed,
                          "the actor serving the call has shut down");
      default:
        break;
    }
  }
  return make_error(error_code::unknown_error, caf::to_string(e));
}

} // namespace alter
