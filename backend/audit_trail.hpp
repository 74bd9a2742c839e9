// Audit rows for credential-using calls. A row that cannot be written fails the
// call (audit_write_failed): nothing happens off the record.
#pragma once

#include <string>
#include <string_view>

#include "backend/api_call.hpp"
#include "backend/records.hpp"
#include "backend/store.hpp"

namespace alter::backend {

/// A row with the caller, attribution and trace fields of `call` filled in.
audit_record audit_row(const api_call& call, std::string action);

/// `url` with the values of credential-like query parameters (token, key,
/// secret, signature, code, ...) replaced by "[redacted]".
std::string redact_url(std::string_view url);

/// Appends the row (its URL redacted); false (and nothing thrown) when the store refused it.
bool write_audit(store& db, const audit_record& row);

} // namespace alter::backend
