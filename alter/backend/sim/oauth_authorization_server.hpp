// A simulated OAuth 2.0 authorization server beside the simulated providers, so the
// backend's authorization-code flow runs for real: RFC 6749 with PKCE S256 only
// (RFC 7636) and refresh-token rotation with replay detection (OAuth 2.0 Security
// BCP). Per provider:
//
//   GET  /{provider_id}/oauth/authorize -> the consent page (HTML)
//   POST /{provider_id}/oauth/authorize -> 303 to redirect_uri with code or error
//   POST /{provider_id}/oauth/token     -> JSON tokens, or an OAuth error
//
// There is no sign-in at this AS: the consent page asks for an account name. No
// redirect URI is registered per client, so any absolute http(s) URI is accepted,
// but nothing is ever redirected to before the person decided on the consent page.
// Codes and tokens are kept only as SHA-256 digests. Every method is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alter/backend/http/http_server.hpp"
#include "alter/messages/http_message.hpp"

namespace alter::backend {

struct oauth_server_options {
  /// expires_in of issued access tokens.
  std::chrono::seconds access_token_ttl{3600};
  std::chrono::seconds code_ttl{60};
  /// Cap on codes + tokens kept (at least 2); the oldest are dropped beyond. Also
  /// the number of token_log entries kept.
  std::size_t max_live_entries = 100000;
};

enum class oauth_grant_type {
  authorization_code,
  refresh_token,
  /// A /token request whose grant_type was missing, repeated or unknown.
  unsupported,
};

std::string_view to_string(oauth_grant_type t) noexcept;

/// One request to /token, as the log keeps it (never a token value).
struct oauth_token_request_entry {
  std::string provider_id;
  oauth_grant_type grant_type = oauth_grant_type::unsupported;
  bool granted = false;
  /// "" when granted, else the OAuth error code (invalid_grant, ...).
  std::string error;
};

/// Tokens as /token issues them.
struct oauth_issued_tokens {
  std::string access_token;
  std::string refresh_token;
  std::chrono::seconds expires_in{0};
  std::vector<std::string> scopes;
};

class oauth_authorization_server {
public:
  explicit oauth_authorization_server(oauth_server_options opts = {});

  oauth_authorization_server(const oauth_authorization_server&) = delete;
  oauth_authorization_server& operator=(const oauth_authorization_server&) = delete;

  /// A client allowed to use provider `provider_id`'s AS. A provider with at least
  /// one client is "known". An empty secret never authenticates at /token.
  void add_client(std::string provider_id, std::string client_id,
                  std::string client_secret);

  /// Serves the AS paths of a provider: `rest` is the path after "/{provider_id}",
  /// e.g. "/oauth/authorize" or "/oauth/token". nullopt when `rest` is not an AS
  /// path. An unknown provider gets 404.
  std::optional<http_response> handle(std::string_view provider_id,
                                      std::string_view rest, const server_request& req);

  /// The scopes of a live access token of this provider (issued here, not expired,
  /// not revoked); nullopt otherwise.
  std::optional<std::vector<std::string>>
  check_access_token(std::string_view provider_id, std::string_view token);

  /// The tokens of a consent a person gave earlier, without the browser: the
  /// swarm and load tests start with OAuth grants in place. Not a token
  /// request (the log counts only those); nullopt for an unknown client.
  std::optional<oauth_issued_tokens> consent_offline(std::string_view provider_id,
                                                     std::string_view client_id,
                                                     std::string account,
                                                     std::vector<std::string> scopes);

  /// Tests and the sim: change the TTL of tokens issued from now on.
  void set_access_token_ttl(std::chrono::seconds ttl);

  /// Revokes every code, refresh token and access token issued for this provider:
  /// the next refresh gets invalid_grant (a user revoking the app at the provider).
  void revoke_all(std::string_view provider_id);

  /// Every POST to /token of a known provider so far, oldest first (the newest
  /// max_live_entries of them); and counts by grant type (never capped).
  std::vector<oauth_token_request_entry> token_log() const;
  int64_t token_requests(oauth_grant_type t, bool granted_only = false) const;

  /// Access tokens presented to check_access_token that had expired (should stay 0
  /// when the backend refreshes in time).
  int64_t expired_presentations() const;

  /// Codes and tokens kept right now (live, used or expired but not yet pruned).
  std::size_t entries() const;

private:
  using clock = std::chrono::steady_clock;

  enum class entry_kind { code, access_token, refresh_token };
  enum class oauth_error {
    none,
    invalid_request,
    invalid_client,
    invalid_grant,
    unsupported_grant_type,
  };

  /// Everything descending from one consent: its code and every token issued
  /// from it, revoked together on a replay.
  struct family {
    std::string provider_id;
    std::string client_id;
    std::string account;
    std::vector<std::string> scopes;
    /// Digests of the entries still kept; the family goes with its last entry.
    std::unordered_set<std::string> members;
  };

  struct entry {
    entry_kind kind = entry_kind::code;
    uint64_t family_id = 0;
    uint64_t seq = 0;
    clock::time_point expires_at;
    /// When pruning may drop it: some time after expiry, so that a late use is
    /// still recognized (time_point::max for a refresh token not yet used).
    clock::time_point retained_until;
    /// A code exchanged or a refresh token rotated: presenting it again is a replay.
    bool used = false;
    /// Codes only: what the token request must repeat.
    std::string redirect_uri;
    std::string code_challenge;
  };

  /// What a token request produced, before it is logged.
  struct token_outcome {
    oauth_error error = oauth_error::none;
    const char* description = "";
    http_response response;
  };

  struct authorize_params;

  /// nullptr when `params` form a sound authorization request (filling `out`),
  /// else the reason for the person reading the error page.
  const char* validate_authorize(std::string_view provider_id, const field_list& params,
                                 authorize_params& out) const;
  http_response authorize_get(std::string_view provider_id, const server_request& req);
  http_response authorize_post(std::string_view provider_id, const server_request& req);
  http_response token(std::string_view provider_id, const server_request& req);
  token_outcome token_locked(const std::string& provider_id, const server_request& req,
                             oauth_grant_type grant, const field_list& form,
                             clock::time_point now);
  token_outcome exchange_code(const std::string& provider_id,
                              const std::string& client_id, const field_list& form,
                              clock::time_point now);
  token_outcome rotate_refresh(const std::string& provider_id,
                               const std::string& client_id, const field_list& form,
                               clock::time_point now);
  /// Issues an access and a refresh token in `family_id` and answers them.
  token_outcome issue_tokens(uint64_t family_id, clock::time_point now);
  /// The tokens issue_tokens answers (the family must exist).
  oauth_issued_tokens mint_tokens(uint64_t family_id, clock::time_point now);

  /// The client_id when the request authenticates a client of `provider_id`;
  /// otherwise the error (invalid_client or invalid_request) and its description.
  std::optional<std::string> authenticate_client(const std::string& provider_id,
                                                 const server_request& req,
                                                 const field_list& form,
                                                 token_outcome& failure) const;
  bool known_provider(std::string_view provider_id) const;

  /// Stores a new entry under a fresh random value and returns that value.
  std::string add_entry(entry e, clock::time_point now);
  /// Moves the pruning time of the entry stored under `digest`.
  void retain(const std::string& digest, entry& e, clock::time_point until);
  void erase_entry(const std::string& digest);
  void revoke_family(uint64_t family_id);
  /// Drops entries past their retention, then the oldest beyond the cap.
  void prune(clock::time_point now);
  entry* find_entry(std::string_view value, entry_kind kind);

  static const char* error_code(oauth_error e) noexcept;

  mutable std::mutex mtx_;
  oauth_server_options opts_;
  /// provider_id -> client_id -> secret. Configuration, not request data.
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>>
      clients_;
  /// SHA-256 digest of the value -> entry.
  std::unordered_map<std::string, entry> entries_;
  /// seq -> digest, oldest first: the cap drops from the front.
  std::map<uint64_t, std::string> by_age_;
  /// (retained until, seq) -> digest: lazy pruning pops from the front.
  std::map<std::pair<clock::time_point, uint64_t>, std::string> by_expiry_;
  std::unordered_map<uint64_t, family> families_;
  uint64_t next_seq_ = 1;
  uint64_t next_family_ = 1;
  std::deque<oauth_token_request_entry> log_;
  /// [grant type][granted]: totals, unaffected by the log cap.
  int64_t counts_[3][2] = {};
  int64_t expired_presentations_ = 0;
};

} // namespace alter::backend
