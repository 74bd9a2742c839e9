// What proxy_request() returns: the executed upstream response, or a call held for
// human approval.
#pragma once

#include <string>

#include "alter/messages/approvals.hpp"
#include "alter/messages/field.hpp"
#include "alter/messages/retry_info.hpp"

namespace boost::json {
class value;
} // namespace boost::json

namespace alter {

/// The upstream response of a proxied call (the SDK reference's ApprovalResult).
struct proxy_result {
  /// Set when the call ran after an approval; empty for an inline execution.
  std::string approval_id;
  int status_code = 0;
  field_list headers;
  /// The upstream body, base64; body_truncated when the backend's cap cut it.
  std::string body_b64;
  bool body_truncated = false;

  /// The decoded body bytes.
  std::string body_bytes() const;
  /// The body as text (the same bytes: the provider's charset is not
  /// converted).
  std::string body_text() const {
    return body_bytes();
  }
  /// The body parsed as JSON (include <boost/json.hpp> to use it). Throws
  /// AlterValueError when the body is not JSON.
  boost::json::value body_json() const;
};

/// A call that a rule held for a human (HTTP 202).
struct pending_approval {
  std::string approval_id;
  std::string approval_url;
  std::string expires_at;
  /// One per rule that holds the call, each with its page and approvers.
  std::vector<approval_gate> gates{};
};

struct proxy_outcome {
  bool pending = false;
  proxy_result result;
  pending_approval approval;
  retry_info retries;
};

bool operator==(const proxy_result& a, const proxy_result& b) noexcept;
bool operator==(const pending_approval& a, const pending_approval& b) noexcept;
bool operator==(const proxy_outcome& a, const proxy_outcome& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proxy_result& x) {
  return f(caf::meta::type_name("proxy_result"), x.approval_id, x.status_code,
           x.headers, x.body_b64, x.body_truncated);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pending_approval& x) {
  return f(caf::meta::type_name("pending_approval"), x.approval_id, x.approval_url,
           x.expires_at, x.gates);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proxy_outcome& x) {
  return f(caf::meta::type_name("proxy_outcome"), x.pending, x.result, x.approval,
           x.retries);
}

} // namespace alter
