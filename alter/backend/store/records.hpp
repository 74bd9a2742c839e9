// The backend's stored entities, one struct per table (schema: sqlite/migrations.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alter/backend/store/vocabulary.hpp"

namespace alter::backend {

struct app_record {
  std::string id;
  std::string name;
  std::string created_at;
};

struct agent_record {
  std::string id;
  std::string app_id;
  std::string name;
  std::string display_name;
  agent_type type = agent_type::agent;
  agent_status status = agent_status::active;
  std::string metadata_json = "{}";
  std::string created_at;
  /// Provider id -> allowed OAuth scopes (JSON object of string arrays).
  std::string scopes_json = "{}";
  /// Policy attributes (JSON object of strings).
  std::string policy_json = "{}";
};

struct key_record {
  std::string id;
  /// SHA-256 of the plaintext key, hex. The plaintext is never stored.
  std::string key_hash;
  std::string key_prefix;
  alter::key_type key_type = alter::key_type::runtime;
  std::string app_id;
  /// Set for agent keys.
  std::string agent_id;
  std::string name;
  std::vector<std::string> scopes;
  key_status status = key_status::active;
  std::string created_at;
  std::string expires_at;
  std::string deprecated_at;
  std::string revoked_at;
  /// The key a derived key was derived from; revoking it revokes this one.
  std::string parent_key_id;
};

/// An upstream API and the URL prefix its credentials may be sent to.
struct provider_record {
  std::string id;
  std::string base_url;
  std::string display_name;
  /// Set for an OAuth 2.0 provider: its authorization server and this
  /// backend's client registration there. The client secret is sealed at rest.
  std::string oauth_authorize_url{};
  std::string oauth_token_url{};
  std::string oauth_client_id{};
  std::string oauth_client_secret{};
  /// Scopes every grant of the provider must hold; a grant granted fewer is
  /// flagged scope_mismatch (an operator added scopes after it was made).
  std::vector<std::string> required_scopes{};

  bool is_oauth() const noexcept {
    return !oauth_token_url.empty();
  }
};

struct secret_record {
  std::string id;
  std::string app_id;
  std::string slug;
  std::string name;
  std::string provider_id;
  /// The credential itself; leaves the backend only in a token response.
  std::string value;
  std::string injection_header = "Authorization";
  std::string injection_format = "Bearer {token}";
  std::string additional_credentials_json = "{}";
  std::string additional_injections_json = "[]";
  std::string created_at;
};

struct grant_record {
  std::string id;
  std::string app_id;
  backend::grant_kind grant_kind = grant_kind::managed_secret;
  std::string managed_secret_id;
  std::string provider_id;
  backend::principal_type principal_type = principal_type::agent;
  std::string agent_id;
  std::string label;
  std::string account_identifier;
  std::vector<std::string> scopes;
  grant_status status = grant_status::active;
  std::string expires_at;
  std::string created_at;
  std::string last_used_at;
  /// user: the app user's id; group: the external group id; else empty.
  std::string principal_id;
  std::string revoked_at;
};

/// The tokens of an OAuth grant (one row per grant), sealed at rest, and the
/// lease that lets exactly one caller at a time, in any instance, refresh them.
struct oauth_token_record {
  std::string grant_id;
  std::string access_token;
  std::string refresh_token;
  /// When the access token expires (ISO 8601 UTC).
  std::string expires_at;
  /// The scopes the authorization server granted.
  std::vector<std::string> scopes;
  oauth_token_state state = oauth_token_state::valid;
  /// The last time tokens were issued or refreshed.
  std::string refreshed_at;
  /// Who holds the refresh lease and until when ("" when nobody does).
  std::string lease_owner;
  std::string lease_until;
  /// Counts refreshes: a refresh stores its tokens only over the generation it read.
  int64_t generation = 0;
};

/// An authorization request under way: the browser went to the provider with
/// `state`; its callback brings the code, which only `verifier` redeems.
struct oauth_flow_record {
  /// SHA-256 of the state parameter, hex.
  std::string state_hash;
  /// The Connect session the flow completes.
  std::string session_hash;
  std::string provider_id;
  /// The PKCE code verifier (sealed at rest).
  std::string verifier;
  std::string redirect_uri;
  std::string created_at;
  std::string expires_at;
};

/// An end user of an app, created when the app first presents their JWT.
struct app_user_record {
  std::string id;
  std::string app_id;
  /// The identity provider's subject (the JWT's sub).
  std::string subject;
  app_user_status status = app_user_status::active;
  std::vector<std::string> group_ids;
  std::string created_at;
};

/// A session a person completes on a page: Connect consent or sign-in.
struct interactive_session_record {
  /// SHA-256 of the session token (the token is the page's only key).
  std::string token_hash;
  session_kind kind = session_kind::connect;
  std::string app_id;
  std::string agent_id;
  std::string user_id;
  /// What the session was created with (JSON).
  std::string request_json = "{}";
  session_status status = session_status::pending;
  /// What completing it produced (JSON).
  std::string result_json = "{}";
  std::string created_at;
  std::string expires_at;
};

/// Where an Idempotency-Key's request stands.
enum class idempotency_state {
  /// Claimed; nothing irreversible happened yet: if its owner dies, a retry runs.
  pending,
  /// The provider may have seen the request: it never runs again.
  executing,
  /// Finished: the stored answer is replayed.
  done,
};
std::string_view to_string(idempotency_state x) noexcept;
std::optional<idempotency_state> idempotency_state_from(std::string_view x) noexcept;

struct idempotency_record {
  std::string request_hash;
  idempotency_state state = idempotency_state::pending;
  /// The answer, when done.
  int status = 0;
  std::string body;
  std::string created_at;
  std::string owner;
};

/// One row of the audit trail: who called, with which grant, what, and how it ended.
struct audit_record {
  std::string created_at;
  std::string request_id;
  /// token.retrieved, proxy.executed, ...
  std::string action;
  audit_outcome outcome = audit_outcome::success;
  std::string app_id;
  std::string agent_id;
  std::string api_key_id;
  std::string caller_key_prefix;
  std::string caller;
  std::string caller_type;
  std::string grant_id;
  std::string provider_id;
  std::string method;
  std::string url;
  int64_t status_code = 0;
  std::string error_code;
  std::string reason;
  std::string context_json = "{}";
  std::string run_id;
  std::string thread_id;
  std::string tool_call_id;
  int64_t latency_ms = 0;
  /// The grant's principal (agent, user, group, system) and kind.
  std::string principal_type;
  std::string grant_kind;
  std::string approval_id;
  /// Request headers without credentials or other sensitive values (JSON object).
  std::string request_headers_json;
  /// The request body, capped at 10 KB; `body_truncated` when it was longer.
  std::string request_body;
  bool body_truncated = false;
  /// Who decided an approval (approval.* rows).
  std::string decided_by;
  /// The extra fields of the call's trace scope (JSON object of strings).
  std::string trace_json;
  /// The call's W3C traceparent (messages/traceparent.hpp).
  std::string traceparent;
  /// Position in the trail (assigned by the store).
  int64_t sequence = 0;
};

/// A signed-in approver (the approval page's session).
struct approver_session {
  std::string approver_id;
  std::string app_id;
  std::string approver_name;
  /// Required in every form the page posts (CSRF).
  std::string csrf_token;
  std::string expires_at;
};

/// A stored policy rule: attached to one target, it can only narrow.
struct rule_record {
  std::string id;
  std::string app_id;
  std::string name;
  /// app, agent, grant or provider.
  std::string target_type;
  std::string target_id;
  /// json_match, require_approval, ip_allowlist, time_window, rate_limit, parameter.
  std::string rule_type;
  /// The rule's parameters as a JSON object (see docs/policies.md).
  std::string rule_body_json = "{}";
  bool enabled = true;
  std::string created_at;
};

/// A proxied call held for a human decision, and what became of it.
struct approval_record {
  std::string id;
  std::string app_id;
  std::string agent_id;
  std::string api_key_id;
  std::string grant_id;
  std::string provider_id;
  std::string rule_id;
  /// The proxy request as received (JSON), executed once approved.
  std::string request_json;
  std::string method;
  std::string url;
  std::string reason;
  std::string caller;
  std::string caller_type;
  std::string run_id;
  std::string thread_id;
  std::string tool_call_id;
  /// The held call's traceparent: its execution's row and the provider see it.
  std::string traceparent;
  std::string idempotency_key;
  approval_state status = approval_state::pending;
  std::string created_at;
  std::string expires_at;
  std::string decided_at;
  std::string decided_by;
  std::string decision_reason;
  std::string executed_at;
  int64_t result_status = 0;
  /// proxy_result JSON when executed, the error envelope when failed.
  std::string result_json;
  /// Its gates, one per holding rule (approvals/approval_gates.hpp), as JSON;
  /// empty for a call held before gates existed: one gate, any approver.
  std::string gates_json;
};

/// A person who may decide approvals of one app; the token is stored hashed.
struct approver_record {
  std::string id;
  std::string app_id;
  std::string name;
  std::string token_hash;
  std::string created_at;
};

} // namespace alter::backend
