// Internal to the route files: the small steps most routes share.
#pragma once

#include <optional>
#include <string>

#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/routes/routes.hpp"
#include "alter/messages/json_codec.hpp"

namespace alter::backend {

/// A non-negative integer query parameter, `fallback` when absent, nullopt when
/// malformed.
std::optional<int64_t> int_query(const std::string& target, const char* name,
                                 int64_t fallback);

/// The `limit` (1-1000, default 100) and `offset` (>= 0) of a list request;
/// nullopt, the call answered invalid_request, when either is malformed.
struct page_window {
  int64_t limit;
  int64_t offset;
};
std::optional<page_window> page_of(const api_call_ptr& call);

/// A boolean member of a JSON object body; false when absent or not a boolean.
bool bool_member(std::string_view json_body, const char* name);

/// The request body as a T; on failure the call is answered (malformed_json).
template <class T>
std::optional<T> read_body(const api_call_ptr& call) {
  auto value = from_json<T>(call->request.body);
  if (!value) {
    call->fail(from_caf_error(value.error()));
    return std::nullopt;
  }
  return std::move(*value);
}

/// Fails the call with `code` and returns true when an agent identity calls a
/// route that only apps may use.
inline bool refuse_agent(const api_call_ptr& call, error_code code, const char* what) {
  if (!call->identity.agent)
    return false;
  call->fail(make_error(code, what));
  return true;
}

/// Writes the audit row of an administrative action (who did what to which id),
/// in the transaction `db` of the change when there is one.
inline void audit_admin(repositories& db, const api_call& call, std::string action,
                        const std::string& target_id) {
  append_admin_audit(db, audit_row(call, std::move(action)), target_id);
}

} // namespace alter::backend
