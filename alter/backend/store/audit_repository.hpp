// The audit trail's rows. Writers go through backend/audit/audit_trail.hpp.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

/// Proof of going through the audit trail's one writer (backend/audit/
/// audit_trail.cpp), the only code that can make one: every row is redacted
/// the same way, whoever writes it.
class audit_append_key {
  audit_append_key() = default;
  friend struct audit_writer;
};

class audit_repository {
public:
  virtual ~audit_repository() = default;

  /// Appends one audit row durably; throws when it cannot.
  virtual void append(const audit_record& x, audit_append_key) = 0;
  /// The first `limit` rows of the whole trail, in the order they were written.
  virtual std::vector<audit_record> rows(int64_t limit) = 0;
  /// One app's rows in the order they were written, after `after_sequence` when
  /// it is positive, else after `after_created_at`. Rows are stamped when their
  /// call starts but numbered when written: paging by number never skips a row
  /// that a slow call wrote late.
  virtual std::vector<audit_record> page(std::string_view app_id,
                                         std::string_view after_created_at,
                                         int64_t after_sequence, int64_t limit)
      = 0;
};

} // namespace alter::backend
