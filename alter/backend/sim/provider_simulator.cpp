#include "alter/backend/sim/provider_simulator.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/sim/oauth_authorization_server.hpp"
#include "alter/net/credential_injection.hpp"
#include "alter/net/url.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace alter::backend {

namespace {

http_response json_reply(int status, const boost::json::object& body) {
  http_response res;
  res.status = status;
  res.headers.push_back({"Content-Type", "application/json"});
  res.body = boost::json::serialize(body);
  return res;
}

/// The values a request might carry a credential in, for the lookup by value.
std::vector<std::string> candidate_values(const server_request& req) {
  std::vector<std::string> out;
  if (const auto* auth = find_field(req.headers, "authorization")) {
    auto space = auth->find(' ');
    out.push_back(space == std::string::npos ? *auth : auth->substr(space + 1));
  }
  if (const auto* key = find_field(req.headers, "x-api-key"))
    out.push_back(*key);
  if (auto q = net::query_param(req.target, "api_key"))
    out.push_back(*q);
  return out;
}

/// True when `req` carries every injection the secret prescribes, exactly.
bool carries_credential(const server_request& req, const secret_record& secret) {
  auto expected = net::inject_credential(http_request{"GET", "/", {}, {}, 0},
                                         token_from_secret(secret));
  if (!expected)
    return false;
  for (const auto& h : expected->headers) {
    const auto* got = find_field(req.headers, h.name);
    if (got == nullptr || !crypto::constant_time_equals(*got, h.value))
      return false;
  }
  auto expected_query = net::query_of(expected->target);
  while (!expected_query.empty()) {
    auto amp = expected_query.find('&');
    auto part = expected_query.substr(0, amp);
    auto eq = part.find('=');
    auto name = net::percent_decode(part.substr(0, eq)).value_or("");
    auto value = net::percent_decode(part.substr(eq + 1)).value_or("");
    auto got = net::query_param(req.target, name);
    if (!got || !crypto::constant_time_equals(*got, value))
      return false;
    if (amp == std::string_view::npos)
      break;
    expected_query.remove_prefix(amp + 1);
  }
  return true;
}

} // namespace

provider_hits::provider_hits(const std::string& log_path) {
  if (log_path.empty())
    return;
  log_fd_ = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd_ < 0)
    throw std::runtime_error{"cannot open the provider log " + log_path + ": "
                             + std::strerror(errno)};
}

provider_hits::~provider_hits() {
  if (log_fd_ >= 0)
    ::close(log_fd_);
}

void provider_hits::record(const std::string& path) {
  std::lock_guard guard{mtx_};
  ++counts_[path];
  if (log_fd_ < 0)
    return;
  // One write() per line: whole lines even when the process is killed.
  std::string line = path;
  for (auto& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  line += '\n';
  auto written = ::write(log_fd_, line.data(), line.size());
  (void) written; // a full disk loses log lines, never an answer
}

int64_t provider_hits::count(const std::string& path) const {
  std::lock_guard guard{mtx_};
  auto i = counts_.find(path);
  return i == counts_.end() ? 0 : i->second;
}

int64_t provider_hits::max_count() const {
  std::lock_guard guard{mtx_};
  int64_t out = 0;
  for (const auto& [path, n] : counts_)
    out = std::max(out, n);
  return out;
}

int64_t provider_hits::total() const {
  std::lock_guard guard{mtx_};
  int64_t out = 0;
  for (const auto& [path, n] : counts_)
    out += n;
  return out;
}

namespace {

/// The answer of an OAuth provider's API to a request without a live token
/// or scope it needs; nullopt when the request may proceed.
std::optional<http_response> refuse_oauth(const server_request& req,
                                          const provider_record& provider,
                                          oauth_authorization_server& oauth) {
  const auto* auth = find_field(req.headers, "authorization");
  std::optional<std::vector<std::string>> scopes;
  if (auth != nullptr && auth->rfind("Bearer ", 0) == 0)
    scopes = oauth.check_access_token(provider.id, auth->substr(7));
  if (!scopes)
    return json_reply(401, {{"error", "invalid_token"}});
  for (const auto& needed : provider.required_scopes)
    if (std::find(scopes->begin(), scopes->end(), needed) == scopes->end())
      return json_reply(403, {{"error", "insufficient_scope"}});
  return std::nullopt;
}

} // namespace

request_handler
make_provider_simulator(store& db, std::shared_ptr<provider_hits> hits,
                        std::shared_ptr<oauth_authorization_server> oauth) {
  return [&db, hits, oauth](const server_request& req, const responder& respond) {
    auto path = std::string{net::path_of(req.target)};
    auto slash = path.find('/', 1);
    auto provider_id
        = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    auto provider = db.grants().find_provider(provider_id);
    if (!provider)
      return respond(json_reply(404, {{"error", "unknown_provider"}}));
    auto rest = slash == std::string::npos ? std::string{} : path.substr(slash);
    if (provider->is_oauth() && oauth) {
      if (auto answer = oauth->handle(provider_id, rest, req))
        return respond(std::move(*answer));
      if (auto refused = refuse_oauth(req, *provider, *oauth))
        return respond(std::move(*refused));
    } else {
      bool authenticated = false;
      for (const auto& value : candidate_values(req))
        if (auto secret = db.secrets().find_by_value(provider_id, value))
          if (carries_credential(req, *secret)) {
            authenticated = true;
            break;
          }
      if (!authenticated)
        return respond(json_reply(401, {{"error", "invalid_credential"}}));
    }
    req.mark_authenticated();
    hits->record(path);
    int status = 200;
    if (rest.rfind("/status/", 0) == 0) {
      auto code = std::string_view{rest}.substr(8);
      std::from_chars(code.data(), code.data() + code.size(), status);
      if (status < 200 || status > 599)
        status = 400;
    }
    boost::json::object headers;
    for (const auto& h : req.headers)
      headers[h.name] = h.value;
    boost::json::object echo;
    echo["provider"] = provider_id;
    echo["method"] = req.method;
    echo["path"] = path;
    echo["query"] = std::string{net::query_of(req.target)};
    echo["headers"] = std::move(headers);
    echo["body"] = req.body;
    respond(json_reply(status, echo));
  };
}

} // namespace alter::backend
