#include "alter/backend/sim/oauth_authorization_server.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/http/html_page.hpp"
#include "alter/messages/base64.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

using namespace std::chrono_literals;

/// Expired codes and access tokens are remembered this long, so a late
/// presentation counts as expired (or a late code reuse still revokes) instead of
/// looking unknown.
constexpr auto expired_memory = std::chrono::steady_clock::duration{1h};
/// A rotated refresh token is remembered this long so that its replay revokes
/// the family.
constexpr auto used_refresh_memory = std::chrono::steady_clock::duration{24h};
/// Keeps now + ttl far from overflow.
constexpr std::chrono::seconds max_ttl{10LL * 365 * 24 * 3600};

constexpr std::size_t max_form_bytes = std::size_t{64} * 1024;
constexpr std::size_t max_target_bytes = 8192;
constexpr std::size_t max_redirect_uri = 2048;
constexpr std::size_t max_state = 512;
constexpr std::size_t max_scope = 1024;
constexpr std::size_t max_scopes = 64;
constexpr std::size_t max_account = 128;
constexpr std::size_t max_client_id = 256;
/// Longer than any value issued here (64 hex digits): not worth hashing.
constexpr std::size_t max_presented_value = 256;
constexpr std::size_t max_authorization_header = 4096;

std::chrono::seconds clamp_ttl(std::chrono::seconds ttl) {
  return std::clamp(ttl, std::chrono::seconds{0}, max_ttl);
}

enum class param_state { absent, present, repeated };

struct param {
  param_state state = param_state::absent;
  std::string value;

  bool ok() const noexcept {
    return state == param_state::present && !value.empty();
  }
};

/// OAuth parameter names are case-sensitive and may appear at most once
/// (RFC 6749 section 3.1), unlike find_field's header rule.
param get_param(const field_list& xs, std::string_view name) {
  param out;
  for (const auto& x : xs) {
    if (x.name != name)
      continue;
    if (out.state != param_state::absent) {
      out.state = param_state::repeated;
      out.value.clear();
      return out;
    }
    out.state = param_state::present;
    out.value = x.value;
  }
  return out;
}

bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
         || c == '-' || c == '.' || c == '_' || c == '~';
}

/// RFC 7636: code_verifier and code_challenge are 43..128 unreserved characters.
bool is_pkce_value(std::string_view s) noexcept {
  return s.size() >= 43 && s.size() <= 128
         && std::all_of(s.begin(), s.end(), is_unreserved);
}

bool is_printable_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

bool has_control(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
}

/// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
bool is_scope_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c >= 0x21 && c <= 0x7E && c != '"' && c != '\\';
  });
}

/// The distinct scopes of a space-separated `scope` ("read" when empty), or
/// nullopt when it is malformed.
std::optional<std::vector<std::string>> parse_scopes(std::string_view text) {
  if (text.size() > max_scope)
    return std::nullopt;
  std::vector<std::string> out;
  while (!text.empty()) {
    auto space = text.find(' ');
    auto token = text.substr(0, space);
    text
        = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    if (token.empty())
      continue;
    if (!is_scope_token(token))
      return std::nullopt;
    if (std::find(out.begin(), out.end(), token) == out.end())
      out.emplace_back(token);
    if (out.size() > max_scopes)
      return std::nullopt;
  }
  if (out.empty())
    out.emplace_back("read");
  return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty())
      out += ' ';
    out += s;
  }
  return out;
}

bool is_form(const server_request& req) {
  const auto* ct = find_field(req.headers, "content-type");
  if (ct == nullptr)
    return false;
  std::string_view v{*ct};
  v = v.substr(0, v.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  return iequals(v, "application/x-www-form-urlencoded");
}

http_response json_reply(int status, const boost::json::object& body) {
  http_response res;
  res.status = status;
  // RFC 6749 section 5.1: token answers must not be cached.
  res.headers = {{"Content-Type", "application/json"},
                 {"Cache-Control", "no-store"},
                 {"Pragma", "no-cache"}};
  res.body = boost::json::serialize(body);
  return res;
}

http_response failure_page(int status, const char* reason) {
  return page(status, "Authorization failed", "<p>" + escape_html(reason) + "</p>");
}

http_response method_not_allowed_page(const char* allow) {
  auto res = failure_page(405, "This method is not allowed here.");
  res.headers.push_back({"Allow", allow});
  return res;
}

std::string hidden_input(const char* name, std::string_view value) {
  return std::string{"<input type=\"hidden\" name=\""} + name + "\" value=\""
         + escape_html(value) + "\">";
}

} // namespace

std::string_view to_string(oauth_grant_type t) noexcept {
  switch (t) {
    case oauth_grant_type::authorization_code:
      return "authorization_code";
    case oauth_grant_type::refresh_token:
      return "refresh_token";
    case oauth_grant_type::unsupported:
      break;
  }
  return "unsupported";
}

/// The validated parameters of an authorization request.
struct oauth_authorization_server::authorize_params {
  std::string client_id;
  std::string redirect_uri;
  std::string redirect_origin;
  std::string state;
  /// As sent, for the consent form to carry on.
  std::string scope;
  std::vector<std::string> scopes;
  std::string code_challenge;
};

oauth_authorization_server::oauth_authorization_server(oauth_server_options opts)
    : opts_(opts) {
  opts_.access_token_ttl = clamp_ttl(opts_.access_token_ttl);
  opts_.code_ttl = clamp_ttl(opts_.code_ttl);
  // Issuing keeps two new entries (access and refresh token) at once.
  opts_.max_live_entries = std::max<std::size_t>(opts_.max_live_entries, 2);
}

void oauth_authorization_server::add_client(std::string provider_id,
                                            std::string client_id,
                                            std::string client_secret) {
  std::lock_guard<std::mutex> guard{mtx_};
  clients_[std::move(provider_id)][std::move(client_id)] = std::move(client_secret);
}

bool oauth_authorization_server::known_provider(std::string_view provider_id) const {
  return clients_.find(std::string{provider_id}) != clients_.end();
}

std::optional<http_response>
oauth_authorization_server::handle(std::string_view provider_id, std::string_view rest,
                                   const server_request& req) {
  auto path = rest.substr(0, rest.find('?'));
  bool authorize = path == "/oauth/authorize";
  if (!authorize && path != "/oauth/token")
    return std::nullopt;
  bool known = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    known = known_provider(provider_id);
  }
  if (authorize) {
    if (!known)
      return failure_page(404, "No authorization server for this provider.");
    if (req.method == "GET")
      return authorize_get(provider_id, req);
    if (req.method == "POST")
      return authorize_post(provider_id, req);
    return method_not_allowed_page("GET, POST");
  }
  if (!known)
    return json_reply(404, {{"error", "invalid_request"},
                            {"error_description", "no authorization server here"}});
  if (req.method != "POST") {
    auto res
        = json_reply(405, {{"error", "invalid_request"},
                           {"error_description", "the token endpoint takes POST"}});
    res.headers.push_back({"Allow", "POST"});
    return res;
  }
  return token(provider_id, req);
}

// -- /authorize ---------------------------------------------------------------

const char*
oauth_authorization_server::validate_authorize(std::string_view provider_id,
                                               const field_list& params,
                                               authorize_params& out) const {
  // Client and redirect URI first: until both are sound the answer is a page here,
  // never a redirect.
  auto client_id = get_param(params, "client_id");
  if (!client_id.ok() || client_id.value.size() > max_client_id)
    return "The client_id is missing or repeated.";
  auto clients = clients_.find(std::string{provider_id});
  if (clients == clients_.end()
      || clients->second.find(client_id.value) == clients->second.end())
    return "This client is not known to the provider.";
  out.client_id = std::move(client_id.value);
  auto redirect_uri = get_param(params, "redirect_uri");
  if (!redirect_uri.ok())
    return "The redirect_uri is missing or repeated.";
  if (redirect_uri.value.size() > max_redirect_uri
      || !is_printable_ascii(redirect_uri.value))
    return "The redirect_uri is not an absolute http(s) URL.";
  auto parsed = net::parse_url(redirect_uri.value);
  if (!parsed)
    return "The redirect_uri is not an absolute http(s) URL.";
  out.redirect_uri = std::move(redirect_uri.value);
  out.redirect_origin = parsed->where.origin();
  auto response_type = get_param(params, "response_type");
  if (response_type.state != param_state::present || response_type.value != "code")
    return "The response_type must be code.";
  auto challenge = get_param(params, "code_challenge");
  if (!challenge.ok() || !is_pkce_value(challenge.value))
    return "A code_challenge of 43 to 128 characters is required (PKCE).";
  auto method = get_param(params, "code_challenge_method");
  if (method.state != param_state::present || method.value != "S256")
    return "The code_challenge_method must be S256.";
  out.code_challenge = std::move(challenge.value);
  auto state = get_param(params, "state");
  if (!state.ok() || state.value.size() > max_state || !is_printable_ascii(state.value))
    return "A state of at most 512 printable characters is required.";
  out.state = std::move(state.value);
  auto scope = get_param(params, "scope");
  if (scope.state == param_state::repeated)
    return "The scope is repeated.";
  auto scopes = parse_scopes(scope.value);
  if (!scopes)
    return "The scope is malformed.";
  out.scope = std::move(scope.value);
  out.scopes = std::move(*scopes);
  return nullptr;
}

http_response oauth_authorization_server::authorize_get(std::string_view provider_id,
                                                        const server_request& req) {
  if (req.target.size() > max_target_bytes)
    return failure_page(400, "The authorization request is too long.");
  auto params = form_fields(net::query_of(req.target));
  authorize_params p;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (const char* why = validate_authorize(provider_id, params, p))
      return failure_page(400, why);
  }
  auto provider = escape_html(provider_id);
  std::string body = "<p>The application <b>" + escape_html(p.client_id)
                     + "</b> asks for access to your <b>" + provider
                     + "</b> account with these scopes:</p><ul>";
  for (const auto& s : p.scopes)
    body += "<li>" + escape_html(s) + "</li>";
  body += "</ul><p>Whatever you decide, you go back to <b>"
          + escape_html(p.redirect_origin) + "</b>.</p>";
  body += "<form method=\"post\" action=\"/" + provider + "/oauth/authorize\">";
  body += hidden_input("response_type", "code");
  body += hidden_input("client_id", p.client_id);
  body += hidden_input("redirect_uri", p.redirect_uri);
  body += hidden_input("state", p.state);
  body += hidden_input("scope", p.scope);
  body += hidden_input("code_challenge", p.code_challenge);
  body += hidden_input("code_challenge_method", "S256");
  body += "<p><label for=\"account\">Account</label> <input name=\"account\" "
          "id=\"account\" type=\"text\" value=\"user\" maxlength=\"128\"></p>";
  body += "<p><button name=\"decision\" value=\"allow\" id=\"allow\">Allow</button>"
          "<button name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></p>";
  body += "</form>";
  auto res = page(200, "Authorize", body);
  // Either decision answers with a redirect to the client's redirect_uri.
  allow_form_redirect_to(res, p.redirect_uri);
  return res;
}

http_response oauth_authorization_server::authorize_post(std::string_view provider_id,
                                                         const server_request& req) {
  if (req.body.size() > max_form_bytes)
    return failure_page(400, "The form is too large.");
  if (!is_form(req))
    return failure_page(400, "The form must be application/x-www-form-urlencoded.");
  auto form = form_fields(req.body);
  auto decision = get_param(form, "decision");
  auto account = get_param(form, "account");
  std::lock_guard<std::mutex> guard{mtx_};
  authorize_params p;
  if (const char* why = validate_authorize(provider_id, form, p))
    return failure_page(400, why);
  if (decision.state != param_state::present
      || (decision.value != "allow" && decision.value != "deny"))
    return failure_page(400, "The decision must be allow or deny.");
  if (decision.value == "deny")
    return redirect(net::append_query(
        p.redirect_uri, {{"error", "access_denied"}, {"state", p.state}}));
  if (account.state == param_state::repeated || account.value.size() > max_account
      || has_control(account.value))
    return failure_page(400, "The account must be at most 128 characters.");
  auto now = clock::now();
  auto fid = next_family_++;
  auto& fam = families_[fid];
  fam.provider_id = std::string{provider_id};
  fam.client_id = p.client_id;
  fam.account = account.value.empty() ? "user" : account.value;
  fam.scopes = p.scopes;
  entry e;
  e.kind = entry_kind::code;
  e.family_id = fid;
  e.expires_at = now + opts_.code_ttl;
  e.redirect_uri = p.redirect_uri;
  e.code_challenge = p.code_challenge;
  auto code = add_entry(std::move(e), now);
  return redirect(
      net::append_query(p.redirect_uri, {{"code", code}, {"state", p.state}}));
}

// -- /token -------------------------------------------------------------------

const char* oauth_authorization_server::error_code(oauth_error e) noexcept {
  switch (e) {
    case oauth_error::none:
      return "";
    case oauth_error::invalid_request:
      return "invalid_request";
    case oauth_error::invalid_client:
      return "invalid_client";
    case oauth_error::invalid_grant:
      return "invalid_grant";
    case oauth_error::unsupported_grant_type:
      return "unsupported_grant_type";
  }
  return "invalid_request";
}

http_response oauth_authorization_server::token(std::string_view provider_id,
                                                const server_request& req) {
  auto provider = std::string{provider_id};
  field_list form;
  if (req.body.size() <= max_form_bytes)
    form = form_fields(req.body);
  auto grant_param = get_param(form, "grant_type");
  auto grant = oauth_grant_type::unsupported;
  if (grant_param.state == param_state::present) {
    if (grant_param.value == "authorization_code")
      grant = oauth_grant_type::authorization_code;
    else if (grant_param.value == "refresh_token")
      grant = oauth_grant_type::refresh_token;
  }
  auto now = clock::now();
  std::lock_guard<std::mutex> guard{mtx_};
  auto outcome = token_locked(provider, req, grant, form, now);
  bool granted = outcome.error == oauth_error::none;
  log_.push_back({provider, grant, granted, error_code(outcome.error)});
  while (log_.size() > opts_.max_live_entries)
    log_.pop_front();
  ++counts_[static_cast<int>(grant)][granted ? 1 : 0];
  if (granted)
    return std::move(outcome.response);
  boost::json::object body{{"error", error_code(outcome.error)},
                           {"error_description", outcome.description}};
  if (outcome.error == oauth_error::invalid_client) {
    auto res = json_reply(401, body);
    res.headers.push_back({"WWW-Authenticate", "Basic realm=\"oauth\""});
    return res;
  }
  return json_reply(400, body);
}

oauth_authorization_server::token_outcome oauth_authorization_server::token_locked(
    const std::string& provider_id, const server_request& req, oauth_grant_type grant,
    const field_list& form, clock::time_point now) {
  token_outcome out;
  auto fail = [&](oauth_error e, const char* why) {
    out.error = e;
    out.description = why;
    return out;
  };
  if (req.body.size() > max_form_bytes)
    return fail(oauth_error::invalid_request, "the request body is too large");
  if (!is_form(req))
    return fail(oauth_error::invalid_request,
                "the body must be application/x-www-form-urlencoded");
  auto client_id = authenticate_client(provider_id, req, form, out);
  if (!client_id)
    return out;
  switch (grant) {
    case oauth_grant_type::authorization_code:
      return exchange_code(provider_id, *client_id, form, now);
    case oauth_grant_type::refresh_token:
      return rotate_refresh(provider_id, *client_id, form, now);
    case oauth_grant_type::unsupported:
      break;
  }
  if (get_param(form, "grant_type").state != param_state::present)
    return fail(oauth_error::invalid_request, "grant_type is missing or repeated");
  return fail(oauth_error::unsupported_grant_type,
              "grant_type must be authorization_code or refresh_token");
}

std::optional<std::string> oauth_authorization_server::authenticate_client(
    const std::string& provider_id, const server_request& req, const field_list& form,
    token_outcome& failure) const {
  auto fail = [&](oauth_error e, const char* why) -> std::optional<std::string> {
    failure.error = e;
    failure.description = why;
    return std::nullopt;
  };
  auto form_id = get_param(form, "client_id");
  auto form_secret = get_param(form, "client_secret");
  if (form_id.state == param_state::repeated
      || form_secret.state == param_state::repeated)
    return fail(oauth_error::invalid_request, "client_id or client_secret is repeated");
  std::string id;
  std::string secret;
  const auto* auth = find_field(req.headers, "authorization");
  if (auth != nullptr && auth->size() > 6 && iequals(auth->substr(0, 6), "Basic ")) {
    if (form_secret.state != param_state::absent)
      return fail(oauth_error::invalid_request,
                  "use one client authentication method, not two");
    if (auth->size() > max_authorization_header)
      return fail(oauth_error::invalid_client, "client authentication failed");
    std::string_view encoded{*auth};
    encoded.remove_prefix(6);
    while (!encoded.empty() && encoded.front() == ' ')
      encoded.remove_prefix(1);
    auto decoded = base64_decode(encoded);
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos)
      return fail(oauth_error::invalid_client, "client authentication failed");
    // RFC 6749 section 2.3.1: both halves are form-urlencoded before base64.
    auto basic_id = net::percent_decode(std::string_view{*decoded}.substr(0, colon));
    auto basic_secret
        = net::percent_decode(std::string_view{*decoded}.substr(colon + 1));
    if (!basic_id || !basic_secret)
      return fail(oauth_error::invalid_client, "client authentication failed");
    if (form_id.state == param_state::present && form_id.value != *basic_id)
      return fail(oauth_error::invalid_request,
                  "client_id differs from the client in the Authorization header");
    id = std::move(*basic_id);
    secret = std::move(*basic_secret);
  } else {
    id = std::move(form_id.value);
    secret = std::move(form_secret.value);
  }
  auto clients = clients_.find(provider_id);
  if (clients == clients_.end())
    return fail(oauth_error::invalid_client, "client authentication failed");
  auto client = clients->second.find(id);
  if (client == clients->second.end() || client->second.empty() || secret.empty()
      || !crypto::constant_time_equals(secret, client->second))
    return fail(oauth_error::invalid_client, "client authentication failed");
  return id;
}

oauth_authorization_server::token_outcome oauth_authorization_server::exchange_code(
    const std::string& provider_id, const std::string& client_id,
    const field_list& form, clock::time_point now) {
  token_outcome out;
  auto fail = [&](oauth_error e, const char* why) {
    out.error = e;
    out.description = why;
    return out;
  };
  auto code = get_param(form, "code");
  auto redirect_uri = get_param(form, "redirect_uri");
  auto verifier = get_param(form, "code_verifier");
  if (!code.ok())
    return fail(oauth_error::invalid_request, "code is missing or repeated");
  if (!redirect_uri.ok())
    return fail(oauth_error::invalid_request, "redirect_uri is missing or repeated");
  if (!verifier.ok())
    return fail(oauth_error::invalid_request,
                "code_verifier is missing or repeated (PKCE is required)");
  if (!is_pkce_value(verifier.value))
    return fail(oauth_error::invalid_request,
                "code_verifier must be 43 to 128 unreserved characters");
  auto* e = find_entry(code.value, entry_kind::code);
  if (e == nullptr)
    return fail(oauth_error::invalid_grant, "the code is unknown or expired");
  auto fid = e->family_id;
  auto fam = families_.find(fid);
  if (fam == families_.end() || fam->second.provider_id != provider_id
      || fam->second.client_id != client_id)
    return fail(oauth_error::invalid_grant, "the code was issued to another client");
  if (e->used) {
    // RFC 6749 section 4.1.2: a code used twice revokes what it gave.
    revoke_family(fid);
    return fail(oauth_error::invalid_grant,
                "the code was already used; the tokens issued from it are revoked");
  }
  if (now >= e->expires_at) {
    erase_entry(crypto::sha256(code.value));
    return fail(oauth_error::invalid_grant, "the code is unknown or expired");
  }
  // One attempt per code, successful or not: a failed verifier burns it too.
  e->used = true;
  if (redirect_uri.value != e->redirect_uri)
    return fail(oauth_error::invalid_grant,
                "redirect_uri differs from the one of the authorization request");
  auto computed = base64url_encode(crypto::sha256(verifier.value));
  if (!crypto::constant_time_equals(computed, e->code_challenge))
    return fail(oauth_error::invalid_grant,
                "code_verifier does not match the challenge");
  return issue_tokens(fid, now);
}

oauth_authorization_server::token_outcome oauth_authorization_server::rotate_refresh(
    const std::string& provider_id, const std::string& client_id,
    const field_list& form, clock::time_point now) {
  token_outcome out;
  auto fail = [&](oauth_error e, const char* why) {
    out.error = e;
    out.description = why;
    return out;
  };
  // A `scope` parameter is not honoured: the new tokens keep the consent's scopes.
  auto refresh = get_param(form, "refresh_token");
  if (!refresh.ok())
    return fail(oauth_error::invalid_request, "refresh_token is missing or repeated");
  auto* e = find_entry(refresh.value, entry_kind::refresh_token);
  if (e == nullptr)
    return fail(oauth_error::invalid_grant, "the refresh token is unknown or revoked");
  auto fid = e->family_id;
  auto fam = families_.find(fid);
  if (fam == families_.end() || fam->second.provider_id != provider_id
      || fam->second.client_id != client_id)
    return fail(oauth_error::invalid_grant,
                "the refresh token was issued to another client");
  if (e->used) {
    // Security BCP section 4.14: a rotated refresh token presented again means
    // two parties hold the family; none of it can be trusted any more.
    revoke_family(fid);
    return fail(oauth_error::invalid_grant,
                "the refresh token was already used; its family is revoked");
  }
  e->used = true;
  retain(crypto::sha256(refresh.value), *e, now + used_refresh_memory);
  return issue_tokens(fid, now);
}

oauth_authorization_server::token_outcome
oauth_authorization_server::issue_tokens(uint64_t family_id, clock::time_point now) {
  token_outcome out;
  auto fam = families_.find(family_id);
  if (fam == families_.end()) {
    out.error = oauth_error::invalid_grant;
    out.description = "the authorization is revoked";
    return out;
  }
  auto t = mint_tokens(family_id, now);
  out.response = json_reply(200, {{"access_token", t.access_token},
                                  {"token_type", "Bearer"},
                                  {"expires_in", t.expires_in.count()},
                                  {"refresh_token", t.refresh_token},
                                  {"scope", join_scopes(t.scopes)}});
  return out;
}

oauth_issued_tokens oauth_authorization_server::mint_tokens(uint64_t family_id,
                                                            clock::time_point now) {
  oauth_issued_tokens out;
  out.scopes = families_.at(family_id).scopes;
  out.expires_in = opts_.access_token_ttl;
  entry access;
  access.kind = entry_kind::access_token;
  access.family_id = family_id;
  access.expires_at = now + out.expires_in;
  out.access_token = add_entry(std::move(access), now);
  entry refresh;
  refresh.kind = entry_kind::refresh_token;
  refresh.family_id = family_id;
  refresh.expires_at = clock::time_point::max();
  out.refresh_token = add_entry(std::move(refresh), now);
  return out;
}

std::optional<oauth_issued_tokens> oauth_authorization_server::consent_offline(
    std::string_view provider_id, std::string_view client_id, std::string account,
    std::vector<std::string> scopes) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto p = clients_.find(std::string{provider_id});
  if (p == clients_.end() || p->second.count(std::string{client_id}) == 0)
    return std::nullopt;
  auto fid = next_family_++;
  auto& fam = families_[fid];
  fam.provider_id = std::string{provider_id};
  fam.client_id = std::string{client_id};
  fam.account = std::move(account);
  fam.scopes = std::move(scopes);
  return mint_tokens(fid, clock::now());
}

// -- access tokens and administration -----------------------------------------

std::optional<std::vector<std::string>>
oauth_authorization_server::check_access_token(std::string_view provider_id,
                                               std::string_view token) {
  auto now = clock::now();
  std::lock_guard<std::mutex> guard{mtx_};
  auto* e = find_entry(token, entry_kind::access_token);
  if (e == nullptr)
    return std::nullopt;
  auto fam = families_.find(e->family_id);
  if (fam == families_.end() || fam->second.provider_id != provider_id)
    return std::nullopt;
  if (now >= e->expires_at) {
    ++expired_presentations_;
    return std::nullopt;
  }
  return fam->second.scopes;
}

void oauth_authorization_server::set_access_token_ttl(std::chrono::seconds ttl) {
  std::lock_guard<std::mutex> guard{mtx_};
  opts_.access_token_ttl = clamp_ttl(ttl);
}

void oauth_authorization_server::revoke_all(std::string_view provider_id) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<uint64_t> ids;
  for (const auto& [id, fam] : families_)
    if (fam.provider_id == provider_id)
      ids.push_back(id);
  for (auto id : ids)
    revoke_family(id);
}

std::vector<oauth_token_request_entry> oauth_authorization_server::token_log() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return {log_.begin(), log_.end()};
}

int64_t oauth_authorization_server::token_requests(oauth_grant_type t,
                                                   bool granted_only) const {
  std::lock_guard<std::mutex> guard{mtx_};
  const auto& c = counts_[static_cast<int>(t)];
  return granted_only ? c[1] : c[0] + c[1];
}

int64_t oauth_authorization_server::expired_presentations() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return expired_presentations_;
}

std::size_t oauth_authorization_server::entries() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return entries_.size();
}

// -- the entry table ----------------------------------------------------------

std::string oauth_authorization_server::add_entry(entry e, clock::time_point now) {
  std::string value;
  std::string digest;
  do {
    value = crypto::random_hex(32);
    digest = crypto::sha256(value);
  } while (entries_.count(digest) != 0);
  e.seq = next_seq_++;
  e.retained_until = e.expires_at == clock::time_point::max()
                         ? e.expires_at
                         : e.expires_at + expired_memory;
  by_age_.emplace(e.seq, digest);
  by_expiry_.emplace(std::make_pair(e.retained_until, e.seq), digest);
  families_[e.family_id].members.insert(digest);
  entries_.emplace(digest, std::move(e));
  prune(now);
  return value;
}

void oauth_authorization_server::retain(const std::string& digest, entry& e,
                                        clock::time_point until) {
  auto i = by_expiry_.find({e.retained_until, e.seq});
  if (i != by_expiry_.end())
    by_expiry_.erase(i);
  e.retained_until = until;
  by_expiry_.emplace(std::make_pair(until, e.seq), digest);
}

void oauth_authorization_server::erase_entry(const std::string& digest) {
  auto i = entries_.find(digest);
  if (i == entries_.end())
    return;
  const auto& e = i->second;
  by_age_.erase(e.seq);
  by_expiry_.erase({e.retained_until, e.seq});
  auto fam = families_.find(e.family_id);
  if (fam != families_.end()) {
    fam->second.members.erase(digest);
    if (fam->second.members.empty())
      families_.erase(fam);
  }
  entries_.erase(i);
}

void oauth_authorization_server::revoke_family(uint64_t family_id) {
  auto fam = families_.find(family_id);
  if (fam == families_.end())
    return;
  // Copied: erasing the last member erases the family.
  std::vector<std::string> members{fam->second.members.begin(),
                                   fam->second.members.end()};
  for (const auto& digest : members)
    erase_entry(digest);
}

void oauth_authorization_server::prune(clock::time_point now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first.first <= now)
    erase_entry(std::string{by_expiry_.begin()->second});
  while (entries_.size() > opts_.max_live_entries && !by_age_.empty())
    erase_entry(std::string{by_age_.begin()->second});
}

oauth_authorization_server::entry*
oauth_authorization_server::find_entry(std::string_view value, entry_kind kind) {
  if (value.empty() || value.size() > max_presented_value)
    return nullptr;
  auto i = entries_.find(crypto::sha256(value));
  if (i == entries_.end() || i->second.kind != kind)
    return nullptr;
  return &i->second;
}

} // namespace alter::backend
