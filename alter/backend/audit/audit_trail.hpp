// Audit rows for credential-using calls. A row that cannot be written fails the
// call (audit_write_failed): nothing happens off the record.
#pragma once

#include <string>
#include <string_view>

#include "alter/backend/api/api_call.hpp"
#include "alter/backend/store/records.hpp"
#include "alter/backend/store/repositories.hpp"
#include "alter/backend/store/store.hpp"
#include "alter/messages/wire_requests.hpp"

namespace alter::backend {

/// A row with the caller, attribution and trace fields of `call` filled in.
audit_record audit_row(const api_call& call, std::string action);

/// Fills the request part of a proxy row: method, URL (redacted), headers without
/// sensitive ones, the body capped at 10 KB with the truncation flag.
void record_proxy_request(audit_record& row, const proxy_request& req);

/// The grant part of a row: id, provider, principal type and kind.
void record_grant(audit_record& row, const grant_record& grant);

/// `url` with the values of credential-like query parameters (token, key,
/// secret, signature, code, ...) replaced by "[redacted]".
std::string redact_url(std::string_view url);

/// Appends the row (its URL redacted); false (and nothing thrown) when the store
/// refused it.
bool write_audit(repositories& db, const audit_record& row);

/// Appends the row of an administrative change (agent.created, grant.created,
/// ...): a success naming the changed id in `url`. Meant for the change's
/// transaction, which the row's failure (thrown) rolls back.
void append_admin_audit(repositories& db, audit_record row,
                        const std::string& target_id);

} // namespace alter::backend
