// The email channel of approvals without a mail server: each notification is
// written as one message into a maildir (`alter-local serve --mail-outbox
// DIR`), which an operator's mail transfer agent or reader picks up. Messages
// go to tmp/ first and are renamed into new/, so a reader never sees half of
// one. Header values are reduced to printable ASCII: a caller's text cannot
// add a header.
#pragma once

#include <string>

namespace alter::backend {

struct mail_message {
  /// One address; messages to anything else are not written.
  std::string to;
  std::string subject;
  /// Plain text, UTF-8.
  std::string body;
};

/// True for a plain address ("alice@example.com"): one '@', no spaces, no
/// characters that would end or extend a header.
bool is_mail_address(const std::string& text) noexcept;

class mail_outbox {
public:
  /// Makes DIR and its tmp/, new/ and cur/ when they are missing; throws
  /// std::runtime_error naming DIR when it cannot.
  explicit mail_outbox(std::string dir);

  /// Writes `m` into new/; false (nothing left behind) when it could not, or
  /// when `m.to` is no address.
  bool deliver(const mail_message& m) const;

private:
  std::string dir_;
};

} // namespace alter::backend
