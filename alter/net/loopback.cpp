#include "alter/net/loopback.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace alter::net {

bool is_loopback_address(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, address.c_str(), &v6) == 1
         && std::memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
}

} // namespace alter::net
