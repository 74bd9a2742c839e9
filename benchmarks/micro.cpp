// Micro benchmarks of the hot per-call work: signing, verification, key checks,
// JSON codecs, one actor request/reply. Run: build/benchmarks/alter_micro_bench
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <random>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"

#include "alter/actors/retry_policy.hpp"
#include "alter/actors/runtime.hpp"
#include "alter/auth/api_key.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/wire_requests.hpp"

namespace {

const std::string key = alter::generate_key(alter::key_type::agent);
const std::string signing_key = alter::derive_signing_key(key);
const std::string body = R"({"grant_id":"11111111-2222-3333-4444-555555555555",)"
                         R"("reason":"benchmark","context":{"run_id":"r1"}})";

void sign_request(benchmark::State& state) {
  for (auto _ : state) {
    alter::http_request req{"POST", "/v1/tokens/retrieve", {}, body, 0};
    alter::sign_request(req, key, signing_key, 1700000000,
                        "00112233445566778899aabbccddeeff");
    benchmark::DoNotOptimize(req);
  }
}
BENCHMARK(sign_request);

void verify_signature(benchmark::State& state) {
  auto sig
      = alter::compute_signature(signing_key, "POST", "/v1/tokens/retrieve", body,
                                 "1700000000", "00112233445566778899aabbccddeeff", "");
  for (auto _ : state) {
    // The backend derives K from the presented key on every request.
    auto ok = alter::verify_signature(alter::derive_signing_key(key), sig, "POST",
                                      "/v1/tokens/retrieve", body, "1700000000",
                                      "00112233445566778899aabbccddeeff", "");
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(verify_signature);

void is_valid_key(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(alter::is_valid_key(key));
}
BENCHMARK(is_valid_key);

alter::token_response sample_token() {
  alter::token_response t;
  t.access_token = alter::crypto::random_hex(20);
  t.grant_id = "11111111-2222-3333-4444-555555555555";
  t.provider_id = "sim-bearer";
  t.scopes = {"repo", "user"};
  return t;
}

void encode_token_response(benchmark::State& state) {
  auto t = sample_token();
  for (auto _ : state)
    benchmark::DoNotOptimize(alter::to_json(t));
}
BENCHMARK(encode_token_response);

void decode_token_response(benchmark::State& state) {
  auto text = alter::to_json(sample_token());
  for (auto _ : state)
    benchmark::DoNotOptimize(alter::from_json<alter::token_response>(text));
}
BENCHMARK(decode_token_response);

alter::proxy_request sample_proxy_request() {
  alter::proxy_request p;
  p.grant.grant_id = "11111111-2222-3333-4444-555555555555";
  p.method = "POST";
  p.url = "https://api.example.com/v1/orders?page=2";
  p.headers = {{"Content-Type", "application/json"}, {"X-Request-Id", "abc"}};
  p.body_b64 = "eyJhbW91bnQiOjQyLCJjdXJyZW5jeSI6IkVVUiJ9";
  p.reason = "benchmark";
  p.context = {{"run_id", "r1"}, {"tool", "pay"}};
  return p;
}

void encode_proxy_request(benchmark::State& state) {
  auto p = sample_proxy_request();
  for (auto _ : state)
    benchmark::DoNotOptimize(alter::to_json(p));
}
BENCHMARK(encode_proxy_request);

void decode_proxy_request(benchmark::State& state) {
  auto text = alter::to_json(sample_proxy_request());
  for (auto _ : state)
    benchmark::DoNotOptimize(alter::from_json<alter::proxy_request>(text));
}
BENCHMARK(decode_proxy_request);

/// One request/reply through an Agent client actor's typed interface (a message
/// it answers from its own state: no I/O), from a blocking caller.
void actor_request_reply(benchmark::State& state) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  alter::runtime rt{sys};
  alter::client_options o;
  o.api_key = key;
  o.base_url = "http://127.0.0.1:9";
  auto agent = *rt.spawn_agent(o);
  caf::scoped_actor self{sys};
  for (auto _ : state) {
    self->request(agent, caf::infinite, alter::last_retry_info_atom_v)
        .receive([](alter::retry_info& r) { benchmark::DoNotOptimize(r); },
                 [](caf::error&) {});
  }
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
}
BENCHMARK(actor_request_reply)->UseRealTime();

/// The same request/reply between two actors: an event-based caller sends the
/// next request when the reply arrives; the time is per round trip.
void actor_request_reply_event_based(benchmark::State& state) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  alter::runtime rt{sys};
  alter::client_options o;
  o.api_key = key;
  o.base_url = "http://127.0.0.1:9";
  auto agent = *rt.spawn_agent(o);
  constexpr int round_trips = 10000;
  for (auto _ : state) {
    caf::scoped_actor self{sys};
    auto caller = sys.spawn(
        [agent](caf::event_based_actor* me, int n) -> caf::behavior {
          auto left = std::make_shared<int>(n);
          auto done = std::make_shared<caf::response_promise>();
          auto next = std::make_shared<std::function<void()>>();
          *next = [=] {
            if ((*left)-- == 0) {
              done->deliver(true);
              return;
            }
            me->request(agent, caf::infinite, alter::last_retry_info_atom_v)
                .then([=](alter::retry_info&) { (*next)(); });
          };
          return {[=](alter::request_atom) {
            *done = me->make_response_promise();
            (*next)();
            return *done;
          }};
        },
        round_trips);
    self->request(caller, caf::infinite, alter::request_atom_v)
        .receive([](bool) {}, [](caf::error&) {});
    caf::anon_send_exit(caller, caf::exit_reason::user_shutdown);
  }
  state.SetItemsProcessed(state.iterations() * round_trips);
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
}
BENCHMARK(actor_request_reply_event_based)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

/// The jitter generator of one retry supervisor (one per call), the way it was
/// made before: a Mersenne Twister seeded from the operating system...
void supervisor_rng_before(benchmark::State& state) {
  for (auto _ : state) {
    std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<int64_t> jitter{0, 100};
    benchmark::DoNotOptimize(jitter(rng));
  }
  state.counters["state_bytes"] = sizeof(std::mt19937_64);
}
BENCHMARK(supervisor_rng_before);

/// ...and now: splitmix64 from a per-process seed and a counter.
void supervisor_rng_after(benchmark::State& state) {
  for (auto _ : state) {
    alter::jitter_rng rng{alter::jitter_rng::fresh_seed()};
    std::uniform_int_distribution<int64_t> jitter{0, 100};
    benchmark::DoNotOptimize(jitter(rng));
  }
  state.counters["state_bytes"] = sizeof(alter::jitter_rng);
}
BENCHMARK(supervisor_rng_after);

} // namespace

BENCHMARK_MAIN();
