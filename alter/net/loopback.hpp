// Whether an address names this machine only.
#pragma once

#include <string>

namespace alter::net {

/// A literal IPv4 address in 127.0.0.0/8 or the IPv6 loopback ::1; false for
/// names ("localhost") and anything that does not parse.
bool is_loopback_address(const std::string& address);

} // namespace alter::net
