#include "messages/alter_error.hpp"

#include "caf/atom.hpp"
#include "caf/message.hpp"
#include "caf/sec.hpp"

namespace alter {

namespace {

constexpr auto alter_category = caf::atom("alter");

} // namespace

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
