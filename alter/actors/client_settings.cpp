#include "alter/actors/client_settings.hpp"

#include "alter/messages/alter_error.hpp"

#include <cmath>

#include "alter/auth/api_key.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/net/url.hpp"

namespace alter {

std::string_view to_string(caller_type t) noexcept {
  return t == caller_type::agent ? "agent" : "service";
}

caf::expected<std::shared_ptr<const client_settings>>
make_client_settings(const client_options& options) {
  if (options.api_key.empty())
    return to_caf_error(error_code::invalid_argument, "api_key is required");
  if (!is_valid_key(options.api_key))
    return to_caf_error(error_code::invalid_argument,
                        "api_key does not have the shape of an Alter key "
                        "(alter_rk_..., alter_ak_..., alter_dk_... or alter_key_...)");
  if (!(options.timeout > 0) || !std::isfinite(options.timeout))
    return to_caf_error(error_code::invalid_argument,
                        "timeout must be a positive number of seconds");
  std::string why;
  auto base = net::parse_url(options.base_url, &why);
  if (!base)
    return to_caf_error(error_code::invalid_argument, "base_url is not usable: " + why);
  if (!net::query_of(base->target).empty())
    return to_caf_error(error_code::invalid_argument, "base_url must not have a query");
  auto settings = std::make_shared<client_settings>();
  settings->api_key = options.api_key;
  settings->signing_key = derive_signing_key(options.api_key);
  settings->backend = base->where;
  settings->backend.tls = options.tls;
  settings->backend_url = options.base_url;
  while (!settings->backend_url.empty() && settings->backend_url.back() == '/')
    settings->backend_url.pop_back();
  settings->base_path = base->target;
  while (!settings->base_path.empty() && settings->base_path.back() == '/')
    settings->base_path.pop_back();
  settings->timeout = std::chrono::milliseconds{
      static_cast<int64_t>(std::llround(options.timeout * 1000))};
  settings->caller = options.caller;
  settings->type = options.type;
  settings->user_token_getter = options.user_token_getter;
  settings->user_token_source = options.user_token_source;
  settings->tls = options.tls;
  return std::shared_ptr<const client_settings>{std::move(settings)};
}

caf::expected<std::string> user_token_from_getter(const client_settings& s) {
  try {
    return s.user_token_getter();
  } catch (...) {
    return to_caf_error(error_code::reauth_required,
                        "the user token getter threw instead of returning a token");
  }
}

} // namespace alter
