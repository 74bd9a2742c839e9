// The backend's stored entities, one struct per table of store.cpp's schema.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  std::string type = "agent";
  /// active, inactive (paused) or revoked.
  std::string status = "active";
  std::string metadata_json = "{}";
  std::string created_at;
};

struct key_record {
  std::string id;
  /// SHA-256 of the plaintext key, hex. The plaintext is never stored.
  std::string key_hash;
  std::string key_prefix;
  /// runtime, agent, derived or legacy.
  std::string key_type;
  std::string app_id;
  /// Set for agent keys.
  std::string agent_id;
  std::string name;
  std::vector<std::string> scopes;
  /// active, deprecated or revoked.
  std::string status = "active";
  std::string created_at;
  std::string expires_at;
};

/// An upstream API and the URL prefix its credentials may be sent to.
struct provider_record {
  std::string id;
  std::string base_url;
  std::string display_name;
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
  /// managed_secret or oauth.
  std::string grant_kind = "managed_secret";
  std::string managed_secret_id;
  std::string provider_id;
  /// agent, system, user or group.
  std::string principal_type = "agent";
  std::string agent_id;
  std::string label;
  std::string account_identifier;
  std::vector<std::string> scopes;
  /// active, revoked or expired.
  std::string status = "active";
  std::string expires_at;
  std::string created_at;
  std::string last_used_at;
};

/// One row of the audit trail: who called, with which grant, what, and how it ended.
struct audit_record {
  std::string created_at;
  std::string request_id;
  /// token.retrieved, proxy.executed, ...
  std::string action;
  /// success, denied, error.
  std::string outcome;
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
};

} // namespace alter::backend
