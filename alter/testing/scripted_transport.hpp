// A transport that answers from a script instead of the network, so a host's
// tests drive real App and Agent client actors without a backend, as the
// project's own tests do. Spawn clients over it with context():
//
//   alter::testing::scripted_transport net{sys};
//   net.respond_with([](const alter::net::endpoint&, const alter::http_request& req) {
//     return alter::testing::json_response(200, R"({"grants":[],"total":0,...})");
//   });
//   auto app = alter::spawn_app(sys, net.context(), options);
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "alter/actors/clients.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/net/endpoint.hpp"
#include "alter/net/transport.hpp"

namespace alter::testing {

/// One exchange a client sent through the transport.
struct recorded_exchange {
  net::endpoint where;
  http_request request;
};

/// What the script answers an exchange with: the server's response, or a
/// transport failure (e.g. network_error with details {"request_sent":false}).
using scripted_answer = std::variant<http_response, alter_error>;

/// Answers an exchange; std::nullopt holds it until release().
using responder = std::function<std::optional<scripted_answer>(const net::endpoint&,
                                                               const http_request&)>;

class scripted_transport {
public:
  explicit scripted_transport(caf::actor_system& sys);
  /// Ends the transport actor; exchanges still held fail.
  ~scripted_transport();

  scripted_transport(const scripted_transport&) = delete;
  scripted_transport& operator=(const scripted_transport&) = delete;

  /// Answers the next exchange; queued answers go first, in order.
  void enqueue(scripted_answer answer);
  /// Answers exchanges once the queue is empty. Without a responder (or with
  /// the queue empty and no responder) an exchange fails with internal_error.
  void respond_with(responder r);
  /// Answers every exchange held so far with `answer`.
  void release(scripted_answer answer);

  /// Every exchange so far, oldest first.
  std::vector<recorded_exchange> seen() const;
  std::size_t held() const;

  const net::transport_actor& actor() const noexcept {
    return handle_;
  }
  /// A client context over this transport, for spawn_app / spawn_agent.
  client_context context() const;

  struct script;

private:
  std::shared_ptr<script> script_;
  caf::actor impl_;
  net::transport_actor handle_;
};

/// A response with a JSON body and its Content-Type.
http_response json_response(int status, std::string body, field_list headers = {});

} // namespace alter::testing
