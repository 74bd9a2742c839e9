// A backend on loopback with a bootstrapped app and two agents, blocking clients
// for it, and a way to send requests signed by hand. Shared by the suites that
// drive the backend over real sockets.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "caf/scoped_actor.hpp"
#include "caf/test/unit_test.hpp"

#include "alter/actors/blocking_client.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/messages/exceptions.hpp"
#include "alter/net/url.hpp"

namespace alter::testing {

using alter::backend::bootstrap_result;
using alter::backend::local_backend;

inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A backend with a bootstrapped app and two agents, and blocking clients for it.
struct world {
  local_backend backend;
  bootstrap_result keys;
  std::shared_ptr<blocking::environment> env = blocking::environment::make();

  explicit world(bool tls) : world(options(tls)) {
  }

  explicit world(const backend::backend_options& opts) : backend(opts) {
    backend::bootstrap_spec spec;
    spec.agents = 2;
    keys = backend::bootstrap(backend.db(), spec);
  }

  /// Another instance on the database a world was bootstrapped on: `opts`
  /// name that database, `existing` are its keys; nothing is bootstrapped.
  world(const backend::backend_options& opts, const bootstrap_result& existing)
      : backend(opts), keys(existing) {
  }

  static backend::backend_options options(bool tls) {
    backend::backend_options o;
    o.tls = tls;
    return o;
  }

  client_options client(const std::string& key) const {
    client_options o;
    o.api_key = key;
    o.base_url = backend.base_url();
    o.tls.ca_pem = backend.certificate_pem();
    o.timeout = 10;
    return o;
  }

  blocking::Agent agent(int i = 0) {
    return blocking::Agent{client(keys.agents.at(i).api_key), env};
  }

  blocking::App app() {
    return blocking::App{client(keys.app_key), env};
  }

  std::string provider_url(const std::string& provider) const {
    return backend.provider_base_url() + "/" + provider;
  }

  /// A request to a page as a browser sends it from the backend's own pages:
  /// forms (anything but GET) carry the backend's Origin.
  http_request page_request(const std::string& method, const std::string& target,
                            const std::string& cookie = {},
                            const std::string& form = {}) const {
    return browser_request(method, target, form,
                           method != "GET" ? backend.base_url() : std::string{},
                           cookie);
  }

  /// What a browser sends: its Origin and cookie when given, a form body.
  static http_request browser_request(const std::string& method,
                                      const std::string& target,
                                      const std::string& form,
                                      const std::string& origin,
                                      const std::string& cookie) {
    http_request req;
    req.method = method;
    req.target = target;
    if (!cookie.empty())
      req.headers.push_back({"Cookie", cookie});
    if (!origin.empty())
      req.headers.push_back({"Origin", origin});
    if (!form.empty()) {
      req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
      req.body = form;
    }
    return req;
  }

  /// One exchange over the environment's transport, trusting the backend's
  /// certificate.
  http_response exchange(net::endpoint where, http_request req) {
    where.tls.ca_pem = backend.certificate_pem();
    caf::scoped_actor self{env->system()};
    http_response out;
    self->request(env->transport(), caf::infinite, exchange_atom_v, where, req)
        .receive(
            [&](http_response& r) { out = std::move(r); },
            [&](caf::error& e) { CAF_FAIL("transport failed: " << to_string(e)); });
    return out;
  }

  /// A page of the backend over HTTP, as a browser would use it (no Alter key).
  http_response browse(const std::string& method, const std::string& target,
                       const std::string& cookie = {}, const std::string& form = {}) {
    return raw({}, page_request(method, target, cookie, form), 0, {});
  }

  /// Any URL (the backend's, a simulated provider's) as a browser sends it: no
  /// Alter key, forms as application/x-www-form-urlencoded with `origin`.
  http_response fetch(const std::string& method, const std::string& url,
                      const std::string& form = {}, const std::string& origin = {},
                      const std::string& cookie = {}) {
    auto target = net::parse_url(url);
    CAF_REQUIRE(target.has_value());
    return exchange(std::move(target->where),
                    browser_request(method, target->target, form, origin, cookie));
  }

  /// The path of one of the backend's page URLs (connect_url, auth_url).
  std::string path_of_page(const std::string& url) const {
    return url.substr(backend.base_url().size());
  }

  /// Sends a request signed by hand: tests bend timestamp, nonce and signature.
  http_response raw(const std::string& key, http_request req, int64_t ts,
                    const std::string& nonce, bool tamper = false) {
    if (!key.empty())
      sign_request(req, key, derive_signing_key(key), ts, nonce);
    if (tamper)
      for (auto& h : req.headers)
        if (h.name == header::signature)
          h.value[0] = h.value[0] == 'a' ? 'b' : 'a';
    return exchange(net::parse_url(backend.base_url())->where, std::move(req));
  }
};

/// `rows` without those a bootstrap wrote for what it created (their request
/// ids start with "bootstrap-"): what the calls of a test left on the trail.
template <class Rows>
Rows without_bootstrap_rows(Rows rows) {
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [](const auto& r) {
                              return r.request_id.rfind("bootstrap-", 0) == 0;
                            }),
             rows.end());
  return rows;
}

/// The audit rows of a test's calls, in the order they were written.
inline std::vector<backend::audit_record> calls_audited(backend::store& db) {
  return without_bootstrap_rows(db.audit().rows(1000000));
}

/// The error a blocking call throws, or a default error when it did not throw.
template <class F>
alter_error thrown_by(F&& f) {
  try {
    f();
  } catch (const errors::AlterSDKError& e) {
    return e.error();
  }
  return make_error(error_code::unknown_error, "nothing was thrown");
}

} // namespace alter::testing
