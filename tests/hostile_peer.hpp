// A TCP server on loopback whose every connection runs one scripted behaviour on
// its own thread (blocking socket calls are fine there): the hostile backends and
// providers of the suites that test the clients over real sockets.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace alter::testing {

/// What the peer does with one accepted connection.
using behaviour = std::function<void(boost::asio::ip::tcp::socket&,
                                     const std::atomic<bool>& stopping)>;

class hostile_peer {
public:
  explicit hostile_peer(behaviour b)
      : behaviour_(std::move(b)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread{[this] { accept_loop(); }};
  }

  ~hostile_peer() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      for (auto& s : sockets_)
        ::shutdown(s->native_handle(), SHUT_RDWR);
    }
    accept_thread_.join();
    for (auto& t : workers_)
      t.join();
  }

  hostile_peer(const hostile_peer&) = delete;
  hostile_peer& operator=(const hostile_peer&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  int connections() const {
    return accepted_;
  }

private:
  void accept_loop() {
    while (!stopping_) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_)
        return;
      ++accepted_;
      std::lock_guard<std::mutex> guard{mtx_};
      sockets_.push_back(socket);
      workers_.emplace_back([this, socket] { behaviour_(*socket, stopping_); });
    }
  }

  behaviour behaviour_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mtx_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> workers_;
  std::thread accept_thread_;
};

/// Reads one request head; false when the client went away.
inline bool read_head(boost::asio::ip::tcp::socket& s) {
  boost::asio::streambuf buf;
  boost::system::error_code ec;
  boost::asio::read_until(s, buf, "\r\n\r\n", ec);
  return !ec;
}

inline void send(boost::asio::ip::tcp::socket& s, const std::string& bytes) {
  boost::system::error_code ec;
  boost::asio::write(s, boost::asio::buffer(bytes), ec);
}

} // namespace alter::testing
