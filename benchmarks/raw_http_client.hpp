// The baseline client of the macro benchmarks: Beast's synchronous HTTP/1.1 over
// one keep-alive TCP connection, no actors, no pools, no retries. Whatever the
// SDK adds on top of this is what the benchmarks measure.
#pragma once

#include <memory>
#include <string>

#include "alter/messages/http_message.hpp"

namespace alter::bench {

class raw_http_client {
public:
  raw_http_client(const std::string& host, unsigned short port);
  ~raw_http_client();

  /// One exchange on the kept-alive connection (reconnects if the server closed).
  http_response exchange(const http_request& req);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace alter::bench
