// W3C Trace Context's traceparent (version 00): the trace a call belongs to. The
// SDK sends it, the backend keeps it in the audit row and passes it on to the
// provider, so one id finds the call in the host's traces, the audit trail and
// the provider's logs.
#pragma once

#include <string>
#include <string_view>

#include "alter/messages/field.hpp"

namespace alter {

/// True for "00-<trace id: 32 hex>-<parent id: 16 hex>-<flags: 2 hex>", lower
/// case, neither id all zeros (the only form version 00 allows).
bool is_valid_traceparent(std::string_view value);

/// A new trace, not sampled: trace id and parent id from one draw of
/// `random_hex` (n bytes -> 2n lower case hex digits), which the caller
/// supplies so that this layer needs no cryptography library.
template <class RandomHex>
std::string fresh_traceparent(RandomHex&& random_hex) {
  auto ids = random_hex(24); // 32 + 16 hex digits
  std::string out = "00-";
  out.reserve(55);
  out.append(ids, 0, 32).append("-").append(ids, 32, 16).append("-00");
  return out;
}

/// Sets the traceparent header of a request to the provider to `value`,
/// replacing any the call carried: the provider sees the trace the audit row
/// names.
void set_traceparent(field_list& headers, std::string_view value);

} // namespace alter
