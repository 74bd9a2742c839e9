// What a caller asks of request() and proxy_request(): one call to a provider's API.
#pragma once

#include <string>

#include "alter/messages/field.hpp"
#include "alter/messages/http_method.hpp"

namespace alter {

struct provider_call {
  /// GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS, in any case:
  /// `call.method = alter::http_method::post;` or `call.method = "POST";`.
  std::string method = "GET";
  /// The full upstream URL; "{name}" segments are filled from path_params.
  std::string url;
  /// Exactly one of grant_id and provider selects the credential.
  std::string grant_id;
  std::string provider;
  /// Disambiguators when a user has several accounts on one provider.
  std::string account;
  std::string label;
  /// A JSON document as text (sent with Content-Type: application/json)...
  std::string json;
  /// ...or raw bytes; at most one of the two.
  std::string body;
  field_list headers;
  field_list query_params;
  field_list path_params;
  /// Shown to approvers and written to the audit trail.
  std::string reason;
  field_list context;
  /// Per-call end-user JWT; overrides the client's user_token_getter.
  std::string user_token;
  /// Seconds; 0 means the client's timeout.
  double timeout = 0;
};

bool operator==(const provider_call& a, const provider_call& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, provider_call& x) {
  return f(caf::meta::type_name("provider_call"), x.method, x.url, x.grant_id,
           x.provider, x.account, x.label, x.json, x.body, x.headers, x.query_params,
           x.path_params, x.reason, x.context, x.user_token, x.timeout);
}

} // namespace alter
