#include "alter/testing/scripted_transport.hpp"

#include <deque>
#include <mutex>

#include "caf/actor_cast.hpp"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"
#include "caf/typed_response_promise.hpp"

#include "alter/messages/atoms.hpp"

namespace alter::testing {

namespace {

using release_atom = caf::atom_constant<caf::atom("screlease")>;

/// Held exchanges: touched only by the transport actor itself.
using held_promises = std::deque<caf::typed_response_promise<http_response>>;

caf::result<http_response> to_result(scripted_answer answer) {
  if (auto* e = std::get_if<alter_error>(&answer))
    return to_caf_error(std::move(*e));
  return std::get<http_response>(std::move(answer));
}

} // namespace

/// Shared by the test's thread and the transport actor, hence the lock.
struct scripted_transport::script {
  mutable std::mutex mtx;
  std::deque<scripted_answer> queued;
  std::deque<scripted_answer> releases;
  responder respond;
  std::vector<recorded_exchange> seen;
  std::size_t held = 0;
};

namespace {

caf::behavior scripted_behavior(caf::event_based_actor* self,
                                const std::shared_ptr<scripted_transport::script>& s) {
  auto held = std::make_shared<held_promises>();
  return {
      [=](exchange_atom, const net::endpoint& where,
          const http_request& req) -> caf::result<http_response> {
        std::optional<scripted_answer> answer;
        responder respond;
        {
          std::lock_guard<std::mutex> guard{s->mtx};
          s->seen.push_back({where, req});
          if (!s->queued.empty()) {
            answer = std::move(s->queued.front());
            s->queued.pop_front();
          } else {
            respond = s->respond;
          }
        }
        // The responder runs unlocked: it may call seen() or enqueue().
        if (!answer && respond)
          answer = respond(where, req);
        else if (!answer)
          return to_caf_error(error_code::internal_error,
                              "the scripted transport has no answer for this exchange");
        if (answer)
          return to_result(std::move(*answer));
        held->push_back(self->make_response_promise<http_response>());
        std::lock_guard<std::mutex> guard{s->mtx};
        ++s->held;
        return held->back();
      },
      [=](credit_atom, const net::endpoint&) {
        // Room for anything a test sends: the script never pushes back.
        net::pool_stats stats;
        stats.max_connections = 1024;
        stats.max_queue = 1 << 20;
        return stats;
      },
      [=](release_atom) {
        scripted_answer answer;
        {
          std::lock_guard<std::mutex> guard{s->mtx};
          if (s->releases.empty())
            return;
          answer = std::move(s->releases.front());
          s->releases.pop_front();
          s->held = 0;
        }
        for (auto& promise : *held) {
          if (auto* e = std::get_if<alter_error>(&answer))
            promise.deliver(to_caf_error(*e));
          else
            promise.deliver(std::get<http_response>(answer));
        }
        held->clear();
      },
  };
}

} // namespace

scripted_transport::scripted_transport(caf::actor_system& sys)
    : script_(std::make_shared<script>()), impl_(sys.spawn(scripted_behavior, script_)),
      handle_(caf::actor_cast<net::transport_actor>(impl_)) {
}

scripted_transport::~scripted_transport() {
  caf::anon_send_exit(impl_, caf::exit_reason::user_shutdown);
}

void scripted_transport::enqueue(scripted_answer answer) {
  std::lock_guard<std::mutex> guard{script_->mtx};
  script_->queued.push_back(std::move(answer));
}

void scripted_transport::respond_with(responder r) {
  std::lock_guard<std::mutex> guard{script_->mtx};
  script_->respond = std::move(r);
}

void scripted_transport::release(scripted_answer answer) {
  {
    std::lock_guard<std::mutex> guard{script_->mtx};
    script_->releases.push_back(std::move(answer));
  }
  caf::anon_send(impl_, release_atom::value);
}

std::vector<recorded_exchange> scripted_transport::seen() const {
  std::lock_guard<std::mutex> guard{script_->mtx};
  return script_->seen;
}

std::size_t scripted_transport::held() const {
  std::lock_guard<std::mutex> guard{script_->mtx};
  return script_->held;
}

client_context scripted_transport::context() const {
  return make_client_context(handle_);
}

http_response json_response(int status, std::string body, field_list headers) {
  headers.push_back({"Content-Type", "application/json"});
  return http_response{status, std::move(headers), std::move(body), {}};
}

} // namespace alter::testing
