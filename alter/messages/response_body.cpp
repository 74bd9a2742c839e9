// body_json() of request()'s and proxy_request()'s answers: one parser, its
// limits and its error for both.
#include <boost/json.hpp>

#include "alter/messages/exceptions.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/messages/proxy_outcome.hpp"

namespace alter {

namespace {

boost::json::value parse_body_json(const std::string& body) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 64;
  auto v = boost::json::parse(body, ec, {}, opts);
  if (ec)
    errors::throw_error(make_error(error_code::invalid_argument,
                                   "the body is not JSON: " + ec.message()));
  return v;
}

} // namespace

boost::json::value http_response::body_json() const {
  return parse_body_json(body);
}

boost::json::value proxy_result::body_json() const {
  return parse_body_json(body_bytes());
}

} // namespace alter
