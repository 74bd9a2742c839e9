// Hostile input against the backend over real sockets: oversized and malformed
// requests, smuggling attempts, injection, replays, clock skew at the boundary
// and slow or idle connections. Each gets its documented error (docs/security.md)
// and the server goes on serving everyone else.
#define CAF_SUITE hostile_input
#include "caf/test/unit_test.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/io_runtime.hpp"

#include "backend_world.hpp"
#include "hostile_text.hpp"
#include "raw_connection.hpp"

using namespace alter;
using namespace alter::testing;
using namespace std::chrono_literals;

namespace {

struct hostile_world : world {
  uint16_t port;
  /// The backend's clock: starts at the real time, moves only when a test moves it.
  int64_t now = unix_now();

  explicit hostile_world(backend::backend_options opts = defaults())
      : world(with_clock(std::move(opts), this)),
        port(net::parse_url(backend.base_url())->where.port) {
  }

  static backend::backend_options defaults() {
    backend::backend_options o;
    o.tls = false;
    return o;
  }

  static backend::backend_options with_clock(backend::backend_options o,
                                             hostile_world* self) {
    o.tls = false;
    o.clock = [self] { return self->now; };
    return o;
  }

  /// A request signed with `key` at the backend's current time, as bytes.
  std::string signed_bytes(const std::string& key, http_request req, int64_t skew = 0) {
    sign_request(req, key, derive_signing_key(key), now + skew, crypto::random_hex(16));
    return to_bytes(req);
  }

  static std::string to_bytes(const http_request& req) {
    std::string out
        = req.method + " " + req.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& h : req.headers)
      out += h.name + ": " + h.value + "\r\n";
    if (!req.body.empty())
      out += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
    return out + "\r\n" + req.body;
  }

  raw_reply send(std::string_view bytes) {
    raw_connection c{port};
    c.write(bytes);
    return c.read();
  }

  const std::string& agent_key() const {
    return keys.agents.at(0).api_key;
  }

  /// The server still answers an ordinary, valid request.
  void check_still_serving() {
    auto r = send(signed_bytes(agent_key(), get("/v1/me")));
    CAF_CHECK_EQUAL(r.status, 200);
  }

  static http_request get(std::string target) {
    http_request req;
    req.method = "GET";
    req.target = std::move(target);
    return req;
  }

  static http_request post_json(std::string target, std::string body) {
    http_request req;
    req.method = "POST";
    req.target = std::move(target);
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = std::move(body);
    return req;
  }
};

} // namespace

CAF_TEST(oversized headers and bodies get 431 and 413 and the server serves on) {
  hostile_world w;
  auto huge_header = "GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Pad: "
                     + std::string(20 * 1024, 'a') + "\r\n\r\n";
  auto r = w.send(huge_header);
  CAF_CHECK_EQUAL(r.status, 431);
  CAF_CHECK_EQUAL(r.code(), "headers_too_large");
  CAF_CHECK(r.closed);
  auto many_headers = std::string{"GET /v1/me HTTP/1.1\r\nHost: x\r\n"};
  for (int i = 0; i < 2000; ++i)
    many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  CAF_CHECK_EQUAL(w.send(many_headers + "\r\n").status, 431);
  // Announced too large: refused before the body is read.
  auto announced = std::string{"POST /v1/tokens/retrieve HTTP/1.1\r\nHost: x\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 2000000\r\n\r\n{"};
  r = w.send(announced);
  CAF_CHECK_EQUAL(r.status, 413);
  CAF_CHECK_EQUAL(r.code(), "payload_too_large");
  // Chunked, growing past the limit while it streams.
  std::string chunked = "POST /v1/tokens/retrieve HTTP/1.1\r\nHost: x\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 20; ++i)
    chunked += "10000\r\n" + chunk + "\r\n";
  r = w.send(chunked);
  CAF_CHECK_EQUAL(r.status, 413);
  w.check_still_serving();
}

CAF_TEST(malformed requests and JSON get typed errors) {
  hostile_world w;
  auto r = w.send("NOT HTTP AT ALL\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "invalid_request");
  CAF_CHECK(r.closed);
  // A bare LF or CR inside a header value cannot smuggle a second header.
  r = w.send("GET /v1/me HTTP/1.1\r\nHost: x\r\nX-A: a\rX-B: b\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 400);
  r = w.send("GET /v1/me HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n");
  CAF_CHECK(r.status == 400 || r.status == 401); // LF alone ends a line for Beast
  // Both Content-Length and Transfer-Encoding: the classic smuggling shape.
  r = w.send("POST /v1/tokens/retrieve HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 400);
  const auto& key = w.agent_key();
  for (std::string body : {"{", "[1,2", "{\"grant_id\": }", "\xff\xfe", "[]", "42"}) {
    r = w.send(w.signed_bytes(key, w.post_json("/v1/tokens/retrieve", body)));
    CAF_CHECK_EQUAL(r.status, 400);
    CAF_CHECK_EQUAL(r.code(), "malformed_json");
  }
  auto deep = std::string(100000, '[') + std::string(100000, ']');
  r = w.send(w.signed_bytes(key, w.post_json("/v1/tokens/retrieve", deep)));
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "malformed_json");
  auto wide = std::string{"{\"context\":{"};
  for (int i = 0; i < 20000; ++i)
    wide += "\"k" + std::to_string(i) + "\":\"v\",";
  wide += "\"z\":\"v\"}}";
  r = w.send(w.signed_bytes(key, w.post_json("/v1/tokens/retrieve", wide)));
  CAF_CHECK_EQUAL(r.status, 400); // no grant named: typed, not a crash
  w.check_still_serving();
}

CAF_TEST(bodies that are not JSON get 415) {
  hostile_world w;
  const auto& key = w.agent_key();
  auto body = R"({"grant_id":")" + w.keys.agents[0].grant_ids[0] + "\"}";
  for (std::string type : {"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", ""}) {
    auto req = w.post_json("/v1/tokens/retrieve", body);
    req.headers.clear();
    if (!type.empty())
      req.headers.push_back({"Content-Type", type});
    auto r = w.send(w.signed_bytes(key, req));
    CAF_CHECK_EQUAL(r.status, 415);
    CAF_CHECK_EQUAL(r.code(), "unsupported_media_type");
  }
  auto req = w.post_json("/v1/tokens/retrieve", body);
  req.headers.front().value = "Application/JSON; charset=utf-8";
  CAF_CHECK_EQUAL(w.send(w.signed_bytes(key, req)).status, 200);
}

CAF_TEST(control characters in header values never pass) {
  hostile_world w;
  const auto& key = w.agent_key();
  auto proxy_body = [&](std::string header_value) {
    proxy_request p;
    p.grant.grant_id = w.keys.agents[0].grant_ids[0];
    p.method = "GET";
    p.url = w.provider_url("sim-bearer") + "/x";
    p.headers.push_back({"X-Note", std::move(header_value)});
    return to_json(p);
  };
  // Through JSON, CR/LF reach a header value intact: the backend refuses them
  // before anything goes upstream.
  auto r = w.send(w.signed_bytes(
      key, w.post_json("/v1/proxy/execute", proxy_body("a\r\nInjected: yes"))));
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "invalid_request");
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
  // An Idempotency-Key with a control character (tab, DEL) is refused.
  for (std::string bad :
       {std::string{"a\tb"}, std::string{"a b"}, std::string(300, 'k')}) {
    auto req = w.post_json("/v1/proxy/execute", proxy_body("ok"));
    req.headers.push_back({"Idempotency-Key", bad});
    r = w.send(w.signed_bytes(key, req));
    CAF_CHECK_EQUAL(r.status, 400);
    CAF_CHECK_EQUAL(r.code(), "idempotency_key_invalid");
  }
  // DEL is not even valid HTTP: the parser refuses it.
  auto del = w.post_json("/v1/proxy/execute", proxy_body("ok"));
  del.headers.push_back({"Idempotency-Key", "a\x7f"});
  CAF_CHECK_EQUAL(w.send(w.signed_bytes(key, del)).code(), "invalid_request");
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
  // The SDK refuses the same values before any I/O.
  auto agent = w.agent();
  provider_call call;
  call.url = w.provider_url("sim-bearer") + "/x";
  call.grant_id = w.keys.agents[0].grant_ids[0];
  call.headers.push_back({"X-Note", "a\r\nInjected: yes"});
  auto e = thrown_by([&] { agent.proxy_request(call); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  call.headers.clear();
  call.context.push_back({"note", "fine"});
  call.user_token = "a\r\nb";
  e = thrown_by([&] { agent.proxy_request(call); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  w.check_still_serving();
}

CAF_TEST(path traversal and script in paths find nothing and reflect nothing active) {
  hostile_world w;
  const auto& key = w.agent_key();
  for (std::string target :
       {"/v1/../v1/me", "/v1/%2e%2e/v1/me", "/../../etc/passwd",
        "/v1/grants/..%2f..%2fetc", "/v1/me/%00", "/v1/<script>alert(1)</script>",
        "/v1/grants/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "//etc/passwd"}) {
    CAF_MESSAGE("target " << target);
    auto r = w.send(w.signed_bytes(key, w.get(target)));
    CAF_CHECK(r.status == 404 || r.status == 400);
    CAF_CHECK_EQUAL(r.content_type, "application/json");
    CAF_CHECK(r.body.find("<script>") == std::string::npos);
    CAF_CHECK(r.body.find("root:") == std::string::npos);
  }
  // Unauthenticated, outside /v1/: still JSON, still nothing.
  auto r = w.send("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 404);
  CAF_CHECK_EQUAL(r.content_type, "application/json");
  // Every API answer forbids content sniffing.
  r = w.send(w.signed_bytes(key, w.get("/v1/me")));
  CAF_CHECK_EQUAL(r.nosniff, "nosniff");
}

CAF_TEST(SQL metacharacters in every string field are data) {
  hostile_world w;
  const auto& key = w.agent_key();
  auto all_there = [&] {
    for (const auto& a : w.keys.agents)
      for (const auto& g : a.grant_ids)
        if (!w.backend.db().grants().find(g))
          return false;
    return true;
  };
  const std::vector<std::string> payloads = {"' OR '1'='1",
                                             "x'; DROP TABLE grants; --",
                                             "\" OR 1=1 --",
                                             "%' --",
                                             "1; DELETE FROM api_keys",
                                             "\\'; SELECT * FROM managed_secrets; --"};
  for (const auto& evil : payloads) {
    token_request t;
    t.grant.grant_id = evil;
    auto r
        = w.send(w.signed_bytes(key, w.post_json("/v1/tokens/retrieve", to_json(t))));
    CAF_CHECK_EQUAL(r.code(), "grant_not_found");
    token_request by_name;
    by_name.grant.provider = evil;
    by_name.grant.account = evil;
    by_name.grant.label = evil;
    by_name.reason = evil;
    by_name.context.push_back({evil, evil});
    r = w.send(
        w.signed_bytes(key, w.post_json("/v1/tokens/retrieve", to_json(by_name))));
    CAF_CHECK_EQUAL(r.code(), "no_delegated_grant");
    auto req = w.get("/v1/grants?provider_id=" + net::percent_encode(evil)
                     + "&limit=5&offset=0");
    req.headers.push_back({"x-alter-caller", evil});
    r = w.send(w.signed_bytes(key, req));
    CAF_CHECK_EQUAL(r.status, 200);
    CAF_CHECK(r.body.find("\"total\":0") != std::string::npos);
    // As an agent id to impersonate (app key) and as an idempotency key.
    auto as = w.get("/v1/me");
    as.headers.push_back({"x-alter-caller-type", "agent"});
    as.headers.push_back({"x-alter-caller", evil});
    r = w.send(w.signed_bytes(w.keys.app_key, as));
    CAF_CHECK_EQUAL(r.code(), "me_requires_agent_key");
  }
  CAF_CHECK(all_there());
  auto app_call = w.get("/v1/grants");
  CAF_CHECK_EQUAL(w.send(w.signed_bytes(w.keys.app_key, app_call)).status, 200);
  // The audit trail kept the hostile reasons verbatim, as data.
  auto rows = w.backend.db().audit().rows(1000);
  CAF_CHECK(std::any_of(rows.begin(), rows.end(),
                        [&](const auto& row) { return row.reason == payloads[1]; }));
  w.check_still_serving();
}

CAF_TEST(replayed and reordered signed requests) {
  hostile_world w;
  const auto& key = w.agent_key();
  auto first = w.signed_bytes(key, w.get("/v1/me"));
  w.now += 5;
  auto second = w.signed_bytes(key, w.get("/v1/me"));
  // Out of order within the window: each nonce is fresh, both pass.
  CAF_CHECK_EQUAL(w.send(second).status, 200);
  CAF_CHECK_EQUAL(w.send(first).status, 200);
  // Replayed: refused, however often and on whichever connection.
  for (int i = 0; i < 3; ++i) {
    auto r = w.send(first);
    CAF_CHECK_EQUAL(r.status, 401);
    CAF_CHECK_EQUAL(r.code(), "nonce_replayed");
  }
  // Replayed after the window: refused for its timestamp instead.
  w.now += 400;
  CAF_CHECK_EQUAL(w.send(second).code(), "timestamp_out_of_range");
  // Two requests pipelined on one connection, the second a replay of the first.
  raw_connection c{w.port};
  auto third = w.signed_bytes(key, w.get("/v1/me"));
  c.write(third + third);
  CAF_CHECK_EQUAL(c.read().status, 200);
  CAF_CHECK_EQUAL(c.read().code(), "nonce_replayed");
}

CAF_TEST(clock skew is accepted up to 300 seconds and refused beyond) {
  hostile_world w;
  const auto& key = w.agent_key();
  for (int64_t skew : {-300, 300, 0}) {
    CAF_MESSAGE("skew " << skew);
    CAF_CHECK_EQUAL(w.send(w.signed_bytes(key, w.get("/v1/me"), skew)).status, 200);
  }
  for (int64_t skew :
       {int64_t{-301}, int64_t{301}, int64_t{-100000}, int64_t{1} << 40}) {
    CAF_MESSAGE("skew " << skew);
    auto r = w.send(w.signed_bytes(key, w.get("/v1/me"), skew));
    CAF_CHECK_EQUAL(r.status, 401);
    CAF_CHECK_EQUAL(r.code(), "timestamp_out_of_range");
  }
}

CAF_TEST(slow and idle connections are cut and the connection cap holds) {
  auto opts = hostile_world::defaults();
  opts.limits.read_timeout = 1s;
  opts.limits.idle_timeout = 2s;
  opts.limits.max_connections = 8;
  opts.limits.unauthenticated_idle_timeout = 1s;
  hostile_world w{opts};
  // Slowloris: a header trickling in, a byte every 250 ms, never finished. The
  // server cuts it at its read deadline, however steadily the bytes come.
  raw_connection slow{w.port};
  slow.write("GET /v1/me HTTP/1.1\r\n");
  auto started = std::chrono::steady_clock::now();
  bool cut = false;
  for (int i = 0; i < 16 && !cut; ++i) {
    cut = slow.closed_by_peer(250ms);
    if (!cut)
      slow.write("X");
  }
  CAF_CHECK(cut);
  CAF_CHECK(std::chrono::steady_clock::now() - started < 3s);
  // A connection that never sends anything is cut by the unauthenticated idle timeout.
  raw_connection silent{w.port};
  CAF_CHECK(silent.closed_by_peer(3s));
  // At the cap, further connections are closed at once; served ones continue.
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 8; ++i)
    held.push_back(std::make_unique<raw_connection>(w.port));
  std::this_thread::sleep_for(100ms);
  raw_connection over{w.port};
  CAF_CHECK(over.closed_by_peer(3s)); // generous: a loaded machine accepts late
  held.clear();
  // Once the held ones go, the server accepts again.
  bool served = false;
  for (int attempt = 0; attempt < 20 && !served; ++attempt) {
    std::this_thread::sleep_for(100ms);
    served = w.send(w.signed_bytes(w.agent_key(), w.get("/v1/me"))).status == 200;
  }
  CAF_CHECK(served);
}

// -- The hostile network (issue 13): each attack with a legitimate client after it,
// -- and a bound on the process's memory where the attack is about memory.

namespace {

/// Resident memory of this process in KiB (VmRSS).
long resident_kib() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

const std::string chunked_head
    = "POST /v1/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

raw_reply send_to(uint16_t port, std::string_view bytes) {
  raw_connection c{port};
  c.write(bytes);
  return c.read(5s);
}

/// True when the SDK call does not throw; prints the error when it does.
template <class F>
bool succeeds(F&& call) {
  try {
    call();
    return true;
  } catch (const errors::AlterSDKError& e) {
    CAF_MESSAGE("failed: " << e.what());
    return false;
  }
}

uint16_t provider_port(const hostile_world& w) {
  return net::parse_url(w.backend.provider_base_url())->where.port;
}

} // namespace

CAF_TEST(a trailer field of 64 KiB gets 400 on both ports and nobody crashes) {
  hostile_world w;
  // One field over Beast's 16-bit field length made it throw out of the I/O thread.
  auto one_big
      = chunked_head + "0\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n";
  std::string many_small = chunked_head + "0\r\n";
  for (int i = 0; i < 4000; ++i)
    many_small += "X-T" + std::to_string(i) + ": aaaaaaaa\r\n";
  many_small += "\r\n";
  for (auto port : {w.port, provider_port(w)})
    for (const auto& bytes : {one_big, many_small}) {
      auto r = send_to(port, bytes);
      CAF_CHECK_EQUAL(r.status, 400);
      CAF_CHECK_EQUAL(r.code(), "invalid_request");
      CAF_CHECK(r.closed);
    }
  w.check_still_serving();
}

CAF_TEST(a chunk extension that never ends is cut at the read buffer) {
  hostile_world w;
  {
    raw_connection c{w.port};
    c.write(chunked_head + "1;ext=");
    std::string block(64 * 1024, 'e');
    for (int i = 0; i < 8; ++i)
      c.write(block);
    auto r = c.read(5s);
    CAF_CHECK_EQUAL(r.status, 400);
    CAF_CHECK_EQUAL(r.code(), "invalid_request");
  }
  // Streaming on: the server drains a bounded amount, closes, and keeps nothing.
  auto before = resident_kib();
  for (int connection = 0; connection < 4; ++connection) {
    raw_connection c{w.port};
    c.write(chunked_head + "1;ext=");
    std::string block(1024 * 1024, 'e');
    for (int i = 0; i < 32 && !c.write(block); ++i) {
    }
  }
  auto grown = resident_kib() - before;
  CAF_MESSAGE("resident memory grew by " << grown
                                         << " KiB over 4 x 32 MiB of extension");
  CAF_CHECK_LESS(grown, 32 * 1024);
  w.check_still_serving();
}

CAF_TEST(chunk framing counts against the request byte budget) {
  auto opts = hostile_world::defaults();
  opts.limits.max_request_bytes = 1024 * 1024;
  hostile_world w{opts};
  // 300 KiB of body, well under the body limit, as one-byte chunks: 1.8 MB on the wire.
  std::string bytes = chunked_head;
  for (int i = 0; i < 300 * 1024; ++i)
    bytes += "1\r\nx\r\n";
  bytes += "0\r\n\r\n";
  auto r = send_to(w.port, bytes);
  CAF_CHECK_EQUAL(r.status, 413);
  CAF_CHECK_EQUAL(r.code(), "payload_too_large");
  w.check_still_serving();
}

CAF_TEST(transfer encodings other than exactly chunked get 400 and a close) {
  hostile_world w;
  for (std::string te :
       {"chunked, identity", "identity", "gzip, chunked", "chunked;q=1",
        "chunked\r\nTransfer-Encoding: chunked", "x-chunked"}) {
    CAF_MESSAGE("Transfer-Encoding: " << te);
    auto r = send_to(w.port, "POST /v1/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                 + te + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    CAF_CHECK_EQUAL(r.status, 400);
    CAF_CHECK_EQUAL(r.code(), "invalid_request");
    CAF_CHECK(r.closed);
  }
  // Exactly chunked, in any case, is read as chunked.
  auto r
      = send_to(w.port, "POST /v1/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked"
                        "\r\n\r\n0\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 401);
  w.check_still_serving();
}

CAF_TEST(refusals by the server itself arrive whole and carry the standard headers) {
  hostile_world w;
  // The client sends the whole 2 MiB body before it reads: the 413 must still be
  // there to read, not a reset.
  raw_connection big{w.port};
  CAF_CHECK(
      !big.write("POST /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n"
                 + std::string(2 * 1024 * 1024, 'b')));
  auto r = big.read(5s);
  CAF_CHECK_EQUAL(r.status, 413);
  CAF_CHECK_EQUAL(r.code(), "payload_too_large");
  auto headers_431 = "GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: "
                     + std::string(20000, 'h') + "\r\n\r\n";
  auto r431 = send_to(w.port, headers_431);
  CAF_CHECK_EQUAL(r431.status, 431);
  auto r400 = send_to(w.port, "NOT HTTP\r\n\r\n");
  for (const auto* answer : {&r, &r431, &r400}) {
    CAF_CHECK_EQUAL(answer->cache_control, "no-store");
    CAF_CHECK_EQUAL(answer->nosniff, "nosniff");
    CAF_CHECK_EQUAL(answer->request_id.rfind("req_", 0), 0u);
    CAF_CHECK(answer->body.find(answer->request_id) != std::string::npos);
  }
  w.check_still_serving();
}

CAF_TEST(attribution that is not UTF - 8 text is refused
         and stored bytes stay readable) {
  hostile_world w;
  const auto& key = w.agent_key();
  for (auto name : {header::caller, header::run_id, header::thread_id,
                    header::tool_call_id, header::caller_type}) {
    for (std::string bad : {std::string{"\xff\xfe"}, std::string{"a\xe2\x82"},
                            std::string{"\xc0\xaf"}, std::string(300, 'r')}) {
      auto req = w.get("/v1/me");
      req.headers.push_back({std::string{name}, bad});
      auto r = w.send(w.signed_bytes(key, req));
      CAF_CHECK_EQUAL(r.status, 400);
      CAF_CHECK_EQUAL(r.code(), "invalid_attribution");
    }
  }
  // UTF-8 text is fine.
  auto ok = w.get("/v1/me");
  ok.headers.push_back({std::string{header::run_id}, "run-\xc3\xa9t\xc3\xa9"});
  CAF_CHECK_EQUAL(w.send(w.signed_bytes(key, ok)).status, 200);
  // A row written before the check existed, with raw bytes in every text column:
  // the audit API still answers valid JSON and the SDK reads the page.
  backend::audit_record row;
  row.created_at = "2026-01-01T00:00:00.000Z";
  row.request_id = "req_\xff";
  row.action = "token.retrieved";
  row.outcome = backend::audit_outcome::success;
  row.app_id = w.keys.app_id;
  row.caller = "\xff\xfe\x80";
  row.run_id = "r\xc0\xaf";
  row.reason = "why\xed\xa0\x80";
  row.url = "https://x/\xfe";
  row.context_json = "{\"k\":\"v\"}";
  CAF_REQUIRE(backend::write_audit(w.backend.db(), row));
  audit_page page;
  CAF_CHECK(succeeds([&] { page = w.app().query_audit(); }));
  auto found
      = std::find_if(page.rows.begin(), page.rows.end(), [](const audit_entry& e) {
          return e.request_id == "req_\xef\xbf\xbd";
        });
  CAF_REQUIRE(found != page.rows.end());
  CAF_CHECK_EQUAL(found->caller, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  CAF_CHECK_EQUAL(found->reason, "why\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

CAF_TEST(a request captured before a restart does not replay after it) {
  auto dir = std::filesystem::temp_directory_path()
             / ("alter-nonces-" + crypto::random_hex(8));
  std::filesystem::create_directories(dir);
  auto opts = hostile_world::defaults();
  opts.database_path = (dir / "a.db").string();
  std::string captured;
  std::string captured_retrieve;
  {
    hostile_world w{opts};
    captured = w.signed_bytes(w.agent_key(), w.get("/v1/me"));
    captured_retrieve = w.signed_bytes(
        w.agent_key(),
        w.post_json("/v1/tokens/retrieve",
                    R"({"grant_id":")" + w.keys.agents[0].grant_ids[0] + "\"}"));
    CAF_CHECK_EQUAL(w.send(captured).status, 200);
    CAF_CHECK_EQUAL(w.send(captured_retrieve).status, 200);
    CAF_CHECK_EQUAL(w.send(captured).code(), "nonce_replayed");
  }
  {
    hostile_world restarted{opts};
    auto r = restarted.send(captured);
    CAF_CHECK_EQUAL(r.status, 401);
    CAF_CHECK_EQUAL(r.code(), "nonce_replayed");
    // The credential is not handed out a second time.
    r = restarted.send(captured_retrieve);
    CAF_CHECK_EQUAL(r.code(), "nonce_replayed");
    restarted.check_still_serving();
  }
  std::filesystem::remove_all(dir);
}

CAF_TEST(one peer address at its cap does not shut out another) {
  auto opts = hostile_world::defaults();
  opts.limits.max_connections_per_address = 16;
  opts.limits.unauthenticated_idle_timeout = 1s;
  hostile_world w{opts};
  // 127.0.0.2 holds its 16 idle connections; a 17th is closed at accept.
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 16; ++i)
    held.push_back(std::make_unique<raw_connection>(w.port, "127.0.0.2"));
  std::this_thread::sleep_for(100ms);
  raw_connection over{w.port, "127.0.0.2"};
  CAF_CHECK(over.closed_by_peer(300ms)); // before the 1 s idle cut
  // Another address (the SDK's, 127.0.0.1) is served all along.
  auto agent = w.agent();
  for (int i = 0; i < 20; ++i)
    CAF_CHECK(succeeds([&] { agent.me(); }));
  // The idle, unauthenticated ones are cut after the short timeout ...
  for (auto& c : held)
    CAF_CHECK(c->closed_by_peer(3s));
  // ... while a connection that authenticated is kept for the long one.
  raw_connection authed{w.port, "127.0.0.3"};
  authed.write(w.signed_bytes(w.agent_key(), w.get("/v1/me")));
  CAF_CHECK_EQUAL(authed.read().status, 200);
  CAF_CHECK(!authed.closed_by_peer(1500ms));
  // And one that only sent an unauthenticated request is closed after its answer.
  raw_connection anonymous{w.port, "127.0.0.3"};
  anonymous.write("GET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n");
  auto anonymous_answer = anonymous.read(300ms);
  CAF_CHECK_EQUAL(anonymous_answer.status, 401);
  CAF_CHECK(anonymous_answer.closed);
}

CAF_TEST(a handler that throws or answers a header that could split gets a 500) {
  net::io_runtime io{1};
  backend::http_server server{
      io, [](const backend::server_request& req, const backend::responder& respond) {
        if (req.target == "/throws")
          throw std::runtime_error{"handler failed"};
        http_response res;
        res.status = 200;
        res.headers = {{"X-Note", "a\r\nInjected: yes"}};
        res.body = "{}";
        respond(std::move(res));
      }};
  auto port = server.listen("127.0.0.1", 0);
  for (std::string target : {"/splits", "/throws", "/splits"}) {
    auto r = send_to(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    CAF_CHECK_EQUAL(r.status, 500);
    CAF_CHECK_EQUAL(r.code(), "internal_error");
    CAF_CHECK(r.body.find("Injected") == std::string::npos);
  }
  CAF_CHECK_EQUAL(io.escaped_exceptions(), 0u);
  server.stop();
  io.stop();
}

CAF_TEST(an io runtime whose last owner lets go on one of its threads ends cleanly) {
  // A connection closing after everyone else had gone held the last reference:
  // its handler ran the destructor on an I/O thread, which joined itself
  // (std::system_error "Resource deadlock avoided", and the process ended).
  for (int i = 0; i < 20; ++i) {
    auto io = std::make_shared<net::io_runtime>(2);
    std::promise<void> ran;
    auto done = ran.get_future();
    boost::asio::post(io->context(), [held = io, &ran]() mutable {
      held.reset(); // not the last yet: the test still holds one
      ran.set_value();
    });
    done.wait();
    auto last = std::promise<void>();
    auto last_done = last.get_future();
    auto& context = io->context(); // before the lambda takes `io` away
    boost::asio::post(context, [held = std::move(io), &last]() mutable {
      held.reset(); // the last reference, dropped on an I/O thread
      last.set_value();
    });
    CAF_CHECK(last_done.wait_for(5s) == std::future_status::ready);
  }
}

CAF_TEST(a header block sent one small field at a time is bounded as a whole) {
  hostile_world w;
  raw_connection c{w.port};
  c.write("POST /v1/me HTTP/1.1\r\nHost: x\r\na");
  // Each write ends just after a field: Beast parses and drops each one, so only
  // the server's own count of the block can stop it.
  // 22 KiB in all: past the 16 KiB limit, well within what the server drains.
  std::string fields;
  for (int i = 0; i < 8; ++i)
    fields += ":\r\na";
  for (int i = 0; i < 700; ++i) {
    c.write(fields);
    if (i % 16 == 0)
      std::this_thread::sleep_for(1ms);
  }
  auto r = c.read(5s);
  CAF_CHECK_EQUAL(r.status, 431);
  CAF_CHECK_EQUAL(r.code(), "headers_too_large");
  w.check_still_serving();
}

CAF_TEST(chunked HTTP 1.0 and trailer fields are refused) {
  hostile_world w;
  auto r
      = send_to(w.port, "POST /v1/me HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "invalid_request");
  // A trailer would reach handlers as a header that no proxy in front has seen.
  r = send_to(w.port, chunked_head + "0\r\nx-api-key: alter_key_smuggled\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK(r.body.find("trailer") != std::string::npos);
  w.check_still_serving();
}

CAF_TEST(plain HTTP on the TLS port gets a 400 in clear that names https) {
  world w{true};
  auto port = net::parse_url(w.backend.base_url())->where.port;
  raw_connection c{port};
  c.write("POST /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"
          + std::string(5000, 'a'));
  auto r = c.read();
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "invalid_request");
  CAF_CHECK_NOT_EQUAL(r.body.find("use an https:// URL"), std::string::npos);
  CAF_CHECK(r.closed);
  // Bytes that are neither TLS nor HTTP get no answer at all.
  raw_connection junk{port};
  junk.write(std::string(3, '\0'));
  auto nothing = junk.read();
  CAF_CHECK(!nothing.answered);
  CAF_CHECK(nothing.closed);
  CAF_CHECK_EQUAL(w.agent().me().id, w.keys.agents[0].id);
}

CAF_TEST(a port already in use is an exception and no crash) {
  net::io_runtime io{1};
  backend::http_server first{
      io, [](const backend::server_request&, const backend::responder&) {}};
  auto port = first.listen("127.0.0.1", 0);
  auto second = std::make_unique<backend::http_server>(
      io, [](const backend::server_request&, const backend::responder&) {});
  bool threw = false;
  try {
    second->listen("127.0.0.1", port);
  } catch (const std::exception& e) {
    CAF_MESSAGE("listen: " << e.what());
    threw = true;
  }
  CAF_CHECK(threw);
  second.reset(); // stop() on an acceptor that never listened
  first.stop();
  io.stop();
}

CAF_TEST(text a store cannot hold is refused at the request boundary with 400) {
  hostile_world w;
  check_hostile_text_refused(w);
  check_hostile_decision_refused(w);
  // Header values: the HTTP parser refuses a NUL before any handler runs.
  auto r = w.send(std::string{"GET /v1/me HTTP/1.1\r\nHost: x\r\nx-alter-run-id: a\0b"
                              "\r\n\r\n",
                              53});
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "invalid_request");
  // Raw bytes above 0x7f pass the parser in a target too.
  r = w.send(w.signed_bytes(w.keys.app_key, w.get("/v1/agents/\xff\xfe")));
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "invalid_request");
  // Bytes above 0x7f pass the parser; the headers that reach a store each have
  // their rule: attribution (invalid_attribution, above), Idempotency-Key here.
  agent_create spec;
  spec.name = "header-text";
  auto req = w.post_json("/v1/agents", to_json(spec));
  req.headers.push_back({"Idempotency-Key", "k\xff\xfe"});
  r = w.send(w.signed_bytes(w.keys.app_key, req));
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.code(), "idempotency_key_invalid");
  w.check_still_serving();
}

CAF_TEST(rows an older version stored with bytes that are not text still read) {
  // SQLite keeps whatever bytes it is given: a file written before the
  // boundary refused them may hold a NUL or bytes that are not UTF-8.
  hostile_world w;
  backend::agent_record a;
  a.id = crypto::random_uuid();
  a.app_id = w.keys.app_id;
  a.name = "legacy-bytes";
  a.display_name = std::string{"caf\xe9 \0x", 7};
  a.metadata_json = "{\"note\":\"\xff\"}";
  a.created_at = backend::now_iso8601();
  w.backend.db().accounts().insert_agent(a);
  agent_list listed;
  CAF_REQUIRE(succeeds([&] { listed = w.app().agents().list(); }));
  auto found = std::find_if(listed.agents.begin(), listed.agents.end(),
                            [&](const agent_info& x) { return x.id == a.id; });
  CAF_REQUIRE(found != listed.agents.end());
  // Bytes that are not UTF-8 read as U+FFFD; the NUL travels as \u0000; the
  // metadata that is not JSON text reads as none.
  CAF_CHECK_EQUAL(found->display_name, std::string("caf\xef\xbf\xbd \0x", 9));
  CAF_CHECK(found->metadata.empty());
  auto one = w.send(w.signed_bytes(w.keys.app_key, w.get("/v1/agents/" + a.id)));
  CAF_CHECK_EQUAL(one.status, 200);
  CAF_CHECK(is_valid_utf8(one.body));
  w.check_still_serving();
}
