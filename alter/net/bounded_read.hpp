// What the server and the client share to read HTTP with bounded memory: the
// largest read buffer, and a SyncReadStream over bytes in memory with which the
// functions that parse a whole message for fuzzers and tests run the same reads,
// through the same bounded buffer, as a connection does. Internal to net/ and
// backend/.
#pragma once

#include <cstddef>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

namespace alter::net {

/// Beast keeps field lengths in 16 bits and throws beyond. With a read buffer no
/// larger than this, no single field, chunk-size line or trailer block can get
/// there: the parser needs each whole in the buffer, and fails with buffer_overflow
/// (an error code, not an exception) first.
constexpr std::size_t max_read_buffer = 60 * 1024;

class memory_stream {
public:
  explicit memory_stream(std::string_view bytes) : rest_(bytes) {
  }

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, boost::beast::error_code& ec) {
    if (rest_.empty()) {
      ec = boost::asio::error::eof;
      return 0;
    }
    ec = {};
    auto n = boost::asio::buffer_copy(buffers,
                                      boost::asio::buffer(rest_.data(), rest_.size()));
    rest_.remove_prefix(n);
    return n;
  }

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    boost::beast::error_code ec;
    auto n = read_some(buffers, ec);
    if (ec)
      throw boost::system::system_error{ec};
    return n;
  }

private:
  std::string_view rest_;
};

} // namespace alter::net
