// The fields a trace scope binds to every call issued inside it. They reach the
// backend as headers (x-alter-run-id, x-alter-thread-id, x-alter-tool-call-id,
// x-alter-trace for the extra fields) and land in the audit rows.
#pragma once

#include <optional>
#include <string>

#include "alter/messages/field.hpp"
#include "alter/messages/inspect_fields.hpp"

namespace alter {

struct trace_fields {
  std::string run_id;
  std::string thread_id;
  std::string tool_call_id;
  /// Anything else worth finding in the audit trail (tool name, step, ...).
  field_list extra;
  /// The host's current W3C traceparent (version 00): every call of the scope
  /// carries it, so the backend's audit row and the provider see the host's
  /// trace. Without one each call starts a trace of its own.
  std::string traceparent;

  bool empty() const noexcept {
    return run_id.empty() && thread_id.empty() && tool_call_id.empty() && extra.empty()
           && traceparent.empty();
  }
};

ALTER_INSPECT(trace_fields, x.run_id, x.thread_id, x.tool_call_id, x.extra,
              x.traceparent)

/// Nested scopes: the inner scope's fields win, the outer ones fill the gaps.
trace_fields merge(const trace_fields& outer, const trace_fields& inner);

/// Limits: ids at most 200 printable ASCII characters, at most 16 extra fields
/// with names of [a-z0-9_] (1-64) and values of at most 200 printable ASCII
/// characters, a traceparent of version 00. Returns why the fields are
/// unusable, or nullopt.
std::optional<std::string> trace_problem(const trace_fields& t);

/// The x-alter-trace header value for the extra fields: base64url of a JSON
/// object of strings; empty when there are none.
std::string encode_trace_extra(const field_list& extra);

/// The extra fields of an x-alter-trace header; nullopt when malformed or
/// outside the limits.
std::optional<field_list> decode_trace_extra(std::string_view header_value);

} // namespace alter
