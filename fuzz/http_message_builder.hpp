// Structure-aware HTTP messages for the framing fuzzers: a few input bytes choose
// the shape (how many header fields and how long, a framing header, chunk sizes,
// chunk-extension and trailer lengths) and the message is built large from them,
// so that the fuzzers reach the sizes a length-capped byte fuzzer never does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>

namespace alter::fuzzing {

/// Reads the input as a sequence of choices; past its end every choice is 0.
class choices {
public:
  choices(const uint8_t* data, std::size_t size) : data_(data), size_(size) {
  }

  uint8_t byte() {
    return at_ < size_ ? data_[at_++] : 0;
  }

  /// A length up to about `max`, skewed towards the interesting edges.
  std::size_t length(std::size_t max) {
    switch (byte() % 6) {
      case 0:
        return byte() % 32;
      case 1:
        return 16 * 1024 - 64 + byte() % 128; // around the header limit
      case 2:
        return 64 * 1024 - 64 + byte() % 128; // around Beast's 16-bit field length
      case 3:
        return max;
      default:
        return (static_cast<std::size_t>(byte()) << 8 | byte()) % (max + 1);
    }
  }

  /// What is left of the input, as text for bodies and values.
  std::string_view rest() {
    auto out
        = std::string_view{reinterpret_cast<const char*>(data_) + at_, size_ - at_};
    at_ = size_;
    return out;
  }

private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

/// The start line and header block, then the framing the choices pick: a
/// Content-Length, exactly "chunked", or a Transfer-Encoding a smuggler would send;
/// then chunks with extensions and a trailer block.
inline std::string build_message(choices& c, std::string_view start_line) {
  std::string out{start_line};
  out += "\r\nHost: fuzz\r\n";
  auto fields = c.length(4000) % 4001;
  auto value_length = c.length(70 * 1024);
  for (std::size_t i = 0; i < fields && out.size() < 8 * 1024 * 1024; ++i) {
    out += "X-F" + std::to_string(i) + ": ";
    out.append(i == 0 ? value_length : c.byte() % 16, 'v');
    out += "\r\n";
  }
  static constexpr std::string_view encodings[]
      = {"chunked",  "Chunked",       "chunked, identity",
         "identity", "gzip, chunked", "chunked\r\nTransfer-Encoding: chunked"};
  auto framing = c.byte() % 8;
  auto body = c.rest();
  if (framing == 0) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    return out;
  }
  out += "Transfer-Encoding: ";
  out += encodings[framing % std::size(encodings)];
  if (framing == 7)
    out += "\r\nContent-Length: 4";
  out += "\r\n\r\n";
  // Chunks of the body, each with an extension of a chosen length.
  std::size_t at = 0;
  choices shape{reinterpret_cast<const uint8_t*>(body.data()), body.size()};
  while (at < body.size()) {
    auto n = std::min<std::size_t>(body.size() - at, 1 + shape.byte() % 64);
    char size[17];
    std::snprintf(size, sizeof size, "%zx", n);
    out += size;
    // Bounded in total so that one input stays quick to run.
    auto ext = shape.byte() % 4 == 0 && out.size() < 4 * 1024 * 1024
                   ? shape.length(300 * 1024)
                   : 0;
    if (ext > 0)
      out += ";e=" + std::string(ext, 'x');
    out += "\r\n";
    out += body.substr(at, n);
    out += "\r\n";
    at += n;
  }
  out += "0\r\n";
  auto trailers = shape.byte() % 3;
  for (std::size_t i = 0; i < trailers; ++i)
    out += "X-Trailer" + std::to_string(i) + ": "
           + std::string(shape.length(70 * 1024), 't') + "\r\n";
  out += "\r\n";
  return out;
}

} // namespace alter::fuzzing
