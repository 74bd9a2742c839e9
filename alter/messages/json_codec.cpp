// One field list per model (`describe`) drives both directions, so encoder and
// decoder cannot drift apart.
#include "alter/messages/json_codec.hpp"

#include <boost/json.hpp>

#include "alter/messages/agent_info.hpp"
#include "alter/messages/agents.hpp"
#include "alter/messages/approvals.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/catalogs.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/grants.hpp"
#include "alter/messages/identity.hpp"
#include "alter/messages/keys.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/utf8.hpp"
#include "alter/messages/wire_requests.hpp"

namespace alter {

namespace json = boost::json;

// -- field lists ----------------------------------------------------------------

template <class Io>
void describe(Io& io, injection& x) {
  io.required("target", x.target);
  io.required("key", x.key);
  io.required("value_source", x.value_source);
}

template <class Io>
void describe(Io& io, token_response& x) {
  io.required("access_token", x.access_token);
  io.optional("token_type", x.token_type);
  io.optional("expires_in", x.expires_in);
  io.optional("expires_at", x.expires_at);
  io.optional("scopes", x.scopes);
  io.required("grant_id", x.grant_id);
  io.optional("provider_id", x.provider_id);
  io.optional("scope_mismatch", x.scope_mismatch);
  io.optional("missing_scopes", x.missing_scopes);
  io.optional("injection_header", x.injection_header);
  io.optional("injection_format", x.injection_format);
  io.optional("additional_credentials", x.additional_credentials);
  io.optional("additional_injections", x.additional_injections);
}

template <class Io>
void describe(Io& io, grant_selector& x) {
  io.optional("grant_id", x.grant_id);
  io.optional("provider", x.provider);
  io.optional("account", x.account);
  io.optional("label", x.label);
}

template <class Io>
void describe(Io& io, token_request& x) {
  describe(io, x.grant);
  io.optional("reason", x.reason);
  io.optional("context", x.context);
}

template <class Io>
void describe(Io& io, proxy_request& x) {
  describe(io, x.grant);
  io.required("method", x.method);
  io.required("url", x.url);
  io.optional("headers", x.headers);
  io.optional("body_b64", x.body_b64);
  io.optional("reason", x.reason);
  io.optional("context", x.context);
}

template <class Io>
void describe(Io& io, proxy_result& x) {
  io.optional("approval_id", x.approval_id);
  io.required("status_code", x.status_code);
  io.optional("headers", x.headers);
  io.optional("body_b64", x.body_b64);
  io.optional("body_truncated", x.body_truncated);
}

template <class Io>
void describe(Io& io, approval_gate& x) {
  io.required("approval_url", x.approval_url);
  io.optional("approvers", x.approvers);
  io.required("status", x.status);
  io.optional("rule_id", x.rule_id);
}

template <class Io>
void describe(Io& io, pending_approval& x) {
  io.required("approval_id", x.approval_id);
  io.required("approval_url", x.approval_url);
  io.required("expires_at", x.expires_at);
  io.optional("gates", x.gates);
}

template <class Io>
void describe(Io& io, grant_item& x) {
  io.required("grant_kind", x.grant_kind);
  io.required("grant_id", x.grant_id);
  io.optional("provider_id", x.provider_id);
  io.optional("scopes", x.scopes);
  io.optional("status", x.status);
  io.optional("principal_type", x.principal_type);
  io.optional("created_at", x.created_at);
  io.optional("last_used_at", x.last_used_at);
  io.optional("expires_at", x.expires_at);
  io.optional("label", x.label);
  io.optional("account_identifier", x.account_identifier);
  io.optional("account_display_name", x.account_display_name);
  io.optional("scope_mismatch", x.scope_mismatch);
  io.optional("delegated_agent_ids", x.delegated_agent_ids);
  io.optional("managed_secret_id", x.managed_secret_id);
  io.optional("managed_secret_slug", x.managed_secret_slug);
  io.optional("managed_secret_name", x.managed_secret_name);
  io.optional("agent_id", x.agent_id);
}

template <class Io>
void describe(Io& io, grant_list& x) {
  io.required("grants", x.grants);
  io.required("total", x.total);
  io.required("limit", x.limit);
  io.required("offset", x.offset);
  io.required("has_more", x.has_more);
}

template <class Io>
void describe(Io& io, agent_info& x) {
  io.required("id", x.id);
  io.optional("app_id", x.app_id);
  io.required("name", x.name);
  io.optional("display_name", x.display_name);
  io.optional("type", x.type);
  io.optional("status", x.status);
  io.optional("created_at", x.created_at);
  io.optional("metadata", x.metadata);
  io.optional("scopes", x.scopes);
  io.optional("policy", x.policy);
}

template <class Io>
void describe(Io& io, approval_status& x) {
  io.required("approval_id", x.approval_id);
  io.required("status", x.status);
  io.optional("expires_at", x.expires_at);
  io.optional("decided_at", x.decided_at);
  io.optional("decision_reason", x.decision_reason);
  io.optional("executed_at", x.executed_at);
  io.optional("has_result", x.has_result);
  io.optional("gates", x.gates);
}

template <class Io>
void describe(Io& io, audit_entry& x) {
  io.required("created_at", x.created_at);
  io.optional("request_id", x.request_id);
  io.required("action", x.action);
  io.required("outcome", x.outcome);
  io.optional("app_id", x.app_id);
  io.optional("agent_id", x.agent_id);
  io.optional("api_key_id", x.api_key_id);
  io.optional("caller_key_prefix", x.caller_key_prefix);
  io.optional("caller", x.caller);
  io.optional("caller_type", x.caller_type);
  io.optional("grant_id", x.grant_id);
  io.optional("provider_id", x.provider_id);
  io.optional("principal_type", x.principal_type);
  io.optional("grant_kind", x.grant_kind);
  io.optional("method", x.method);
  io.optional("url", x.url);
  io.optional("status_code", x.status_code);
  io.optional("error_code", x.error_code);
  io.optional("reason", x.reason);
  io.optional("context", x.context);
  io.optional("run_id", x.run_id);
  io.optional("thread_id", x.thread_id);
  io.optional("tool_call_id", x.tool_call_id);
  io.optional("latency_ms", x.latency_ms);
  io.optional("approval_id", x.approval_id);
  io.optional("decided_by", x.decided_by);
  io.optional("request_headers", x.request_headers);
  io.optional("request_body", x.request_body);
  io.optional("body_truncated", x.body_truncated);
  io.optional("trace", x.trace);
  io.optional("traceparent", x.traceparent);
}

template <class Io>
void describe(Io& io, provider_call_report& x) {
  io.required("grant_id", x.grant_id);
  io.optional("method", x.method);
  io.optional("url", x.url);
  io.optional("status_code", x.status_code);
  io.optional("error_code", x.error_code);
  io.optional("latency_ms", x.latency_ms);
  io.optional("reason", x.reason);
  io.optional("run_id", x.run_id);
  io.optional("thread_id", x.thread_id);
  io.optional("tool_call_id", x.tool_call_id);
  io.optional("traceparent", x.traceparent);
}

template <class Io>
void describe(Io& io, provider_call_reports& x) {
  io.required("events", x.events);
}

template <class Io>
void describe(Io& io, audit_page& x) {
  io.required("rows", x.rows);
  io.optional("next_cursor", x.next_cursor);
}

// -- agents, keys, grants, Connect, identity, catalogs ----------------------------

template <class Io>
void describe(Io& io, agent_create& x) {
  io.required("name", x.name);
  io.optional("display_name", x.display_name);
  io.optional("type", x.type);
  io.optional("scopes", x.scopes);
  io.optional("metadata", x.metadata);
  io.optional("policy", x.policy);
}

template <class Io>
void describe(Io& io, agent_created& x) {
  describe(io, x.agent);
  io.optional("api_key", x.api_key);
}

template <class Io>
void describe(Io& io, agent_list& x) {
  io.required("agents", x.agents);
  io.required("total", x.total);
  io.required("limit", x.limit);
  io.required("offset", x.offset);
  io.required("has_more", x.has_more);
}

template <class Io>
void describe(Io& io, agent_update& x) {
  io.optional("display_name", x.display_name);
  io.optional("metadata", x.metadata);
  io.optional("scopes", x.scopes);
  io.optional("policy", x.policy);
  io.optional("status", x.status);
}

template <class Io>
void describe(Io& io, key_info& x) {
  io.required("key_id", x.key_id);
  io.optional("key_prefix", x.key_prefix);
  io.optional("name", x.name);
  io.optional("key_type", x.key_type);
  io.optional("scopes", x.scopes);
  io.required("status", x.status);
  io.optional("created_at", x.created_at);
  io.optional("deprecated_at", x.deprecated_at);
  io.optional("revoked_at", x.revoked_at);
  io.optional("expires_at", x.expires_at);
  io.optional("last_used_at", x.last_used_at);
}

template <class Io>
void describe(Io& io, minted_key& x) {
  io.required("key", x.key);
  io.required("api_key", x.api_key);
}

template <class Io>
void describe(Io& io, key_list& x) {
  io.required("items", x.items);
}

template <class Io>
void describe(Io& io, key_derivation& x) {
  io.required("scopes", x.scopes);
  io.optional("expires_in", x.expires_in);
}

template <class Io>
void describe(Io& io, key_rotation& x) {
  io.optional("grace_period_seconds", x.grace_period_seconds);
}

template <class Io>
void describe(Io& io, principal& x) {
  io.required("type", x.type);
  io.optional("user_token", x.user_token);
  io.optional("external_group_id", x.external_group_id);
  io.optional("idp_id", x.idp_id);
  io.optional("label", x.label);
}

template <class Io>
void describe(Io& io, grant_policy& x) {
  io.optional("expires_at", x.expires_at);
  io.optional("max_ttl_seconds", x.max_ttl_seconds);
  io.optional("default_ttl_seconds", x.default_ttl_seconds);
}

template <class Io>
void describe(Io& io, managed_secret_grant& x) {
  io.required("managed_secret_id", x.managed_secret_id);
  io.required("principal", x.principal);
  io.optional("grant_policy", x.grant_policy);
}

template <class Io>
void describe(Io& io, created_grant& x) {
  io.required("grant_id", x.grant_id);
  io.optional("principal_type", x.principal_type);
  io.optional("label", x.label);
  io.optional("created_at", x.created_at);
  io.optional("expires_at", x.expires_at);
}

template <class Io>
void describe(Io& io, revoked_grant& x) {
  io.required("success", x.success);
  io.optional("message", x.message);
  io.required("grant_id", x.grant_id);
  io.optional("revoked_at", x.revoked_at);
}

template <class Io>
void describe(Io& io, revoked_delegation& x) {
  io.required("success", x.success);
  io.required("grant_id", x.grant_id);
  io.required("agent_id", x.agent_id);
}

template <class Io>
void describe(Io& io, connect_request& x) {
  io.optional("allowed_providers", x.allowed_providers);
  io.optional("return_url", x.return_url);
  io.optional("allowed_origin", x.allowed_origin);
  io.optional("metadata", x.metadata);
  io.optional("grant_policy", x.grant_policy);
  io.optional("agent_id", x.agent_id);
  io.optional("user_token", x.user_token);
  io.optional("reauth_grant_id", x.reauth_grant_id);
  io.optional("secret_provider", x.secret_provider);
}

template <class Io>
void describe(Io& io, connect_session& x) {
  io.required("session_token", x.session_token);
  io.required("connect_url", x.connect_url);
  io.optional("expires_at", x.expires_at);
}

template <class Io>
void describe(Io& io, connect_result& x) {
  io.required("grant_id", x.grant_id);
  io.required("provider_id", x.provider_id);
  io.optional("account_identifier", x.account_identifier);
  io.optional("scopes", x.scopes);
  io.optional("grant_policy", x.grant_policy);
  io.optional("operation", x.operation);
}

template <class Io>
void describe(Io& io, connect_status& x) {
  io.required("status", x.status);
  io.optional("results", x.results);
}

template <class Io>
void describe(Io& io, auth_session& x) {
  io.required("session_token", x.session_token);
  io.required("auth_url", x.auth_url);
  io.optional("expires_at", x.expires_at);
}

template <class Io>
void describe(Io& io, auth_status& x) {
  io.required("status", x.status);
  io.optional("user_token", x.user_token);
  io.optional("user_info", x.user_info);
}

template <class Io>
void describe(Io& io, verified_user& x) {
  io.optional("valid", x.valid);
  io.optional("sub", x.sub);
}

template <class Io>
void describe(Io& io, identity_context& x) {
  io.required("app_user_id", x.app_user_id);
  io.optional("agent_id", x.agent_id);
  io.optional("group_ids", x.group_ids);
  io.required("user_status", x.user_status);
  io.optional("external_subject_id", x.external_subject_id);
  io.optional("idp_id", x.idp_id);
}

template <class Io>
void describe(Io& io, resource_scopes& x) {
  io.required("resource", x.resource);
  io.required("verbs", x.verbs);
  io.optional("description", x.description);
}

template <class Io>
void describe(Io& io, action_scope& x) {
  io.required("scope", x.scope);
  io.optional("description", x.description);
}

template <class Io>
void describe(Io& io, scope_catalog& x) {
  io.required("resources", x.resources);
  io.required("actions", x.actions);
}

template <class Io>
void describe(Io& io, provider_scope& x) {
  io.required("scope", x.scope);
  io.optional("description", x.description);
}

template <class Io>
void describe(Io& io, oauth_provider& x) {
  io.required("provider_id", x.provider_id);
  io.optional("display_name", x.display_name);
  io.optional("scopes", x.scopes);
}

template <class Io>
void describe(Io& io, provider_catalog& x) {
  io.required("providers", x.providers);
}

namespace {

// -- writing --------------------------------------------------------------------

class writer {
public:
  json::object out;

  template <class T>
  void required(const char* key, const T& value) {
    out[key] = to_value(value);
  }

  template <class T>
  void optional(const char* key, const T& value) {
    out[key] = to_value(value);
  }

private:
  // Strings go out as valid UTF-8 whatever bytes they hold (a row stored before
  // attribution was checked, a provider's body): one bad row must not make a
  // whole page unreadable.
  static json::string text(const std::string& x) {
    return is_valid_utf8(x) ? json::string(x) : json::string(to_valid_utf8(x));
  }
  static json::value to_value(const std::string& x) {
    return text(x);
  }
  static json::value to_value(bool x) {
    return x;
  }
  static json::value to_value(int x) {
    return x;
  }
  static json::value to_value(int64_t x) {
    return x;
  }
  static json::value to_value(double x) {
    return x;
  }
  static json::value to_value(const std::vector<std::string>& xs) {
    json::array arr;
    for (const auto& x : xs)
      arr.emplace_back(text(x));
    return arr;
  }
  // Repeated names merge with ", " as HTTP allows; JSON objects have unique keys.
  static json::value to_value(const field_list& xs) {
    json::object obj;
    for (const auto& x : xs) {
      auto name = text(x.name);
      if (auto* prev = obj.if_contains(name)) {
        auto& s = prev->as_string();
        s.append(", ");
        s.append(text(x.value));
      } else {
        obj[name] = text(x.value);
      }
    }
    return obj;
  }
  static json::value to_value(const provider_scopes& xs) {
    json::object obj;
    for (const auto& [provider, list] : xs)
      obj[provider] = to_value(list);
    return obj;
  }
  template <class T>
  static json::value to_value(const std::vector<T>& xs) {
    json::array arr;
    for (const auto& x : xs)
      arr.emplace_back(to_value(x));
    return arr;
  }
  template <class T>
  static json::value to_value(const T& x) {
    writer nested;
    describe(nested, const_cast<T&>(x));
    return std::move(nested.out);
  }
};

// -- reading --------------------------------------------------------------------

class reader {
public:
  reader(const json::object& obj, std::string path, std::string* error)
      : obj_(obj), path_(std::move(path)), error_(error) {
  }

  template <class T>
  void required(const char* key, T& value) {
    read(key, value, true);
  }

  template <class T>
  void optional(const char* key, T& value) {
    read(key, value, false);
  }

private:
  template <class T>
  void read(const char* key, T& value, bool is_required) {
    if (!error_->empty())
      return;
    auto* v = obj_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (is_required)
        fail(key, "is missing");
      return;
    }
    convert(*v, value, path_of(key));
  }

  std::string path_of(const char* key) const {
    return path_.empty() ? std::string{key} : path_ + "." + key;
  }

  void fail(const char* key, const char* what) {
    *error_ = "field '" + path_of(key) + "' " + what;
  }

  void fail_at(const std::string& path, const char* expected) {
    *error_ = "field '" + path + "' must be " + expected;
  }

  void convert(const json::value& v, std::string& x, const std::string& path) {
    if (!v.is_string())
      return fail_at(path, "a string");
    x.assign(v.get_string().data(), v.get_string().size());
  }
  void convert(const json::value& v, bool& x, const std::string& path) {
    if (!v.is_bool())
      return fail_at(path, "a boolean");
    x = v.get_bool();
  }
  void convert(const json::value& v, int64_t& x, const std::string& path) {
    if (v.is_int64())
      x = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= uint64_t(INT64_MAX))
      x = static_cast<int64_t>(v.get_uint64());
    else
      fail_at(path, "an integer");
  }
  void convert(const json::value& v, int& x, const std::string& path) {
    int64_t wide = 0;
    convert(v, wide, path);
    if (!error_->empty())
      return;
    if (wide < INT32_MIN || wide > INT32_MAX)
      return fail_at(path, "a 32-bit integer");
    x = static_cast<int>(wide);
  }
  void convert(const json::value& v, double& x, const std::string& path) {
    if (!v.is_number())
      return fail_at(path, "a number");
    x = v.to_number<double>();
  }
  void convert(const json::value& v, std::vector<std::string>& xs,
               const std::string& path) {
    if (!v.is_array())
      return fail_at(path, "an array of strings");
    xs.clear();
    for (const auto& item : v.get_array()) {
      if (!item.is_string())
        return fail_at(path, "an array of strings");
      xs.emplace_back(item.get_string().data(), item.get_string().size());
    }
  }
  void convert(const json::value& v, field_list& xs, const std::string& path) {
    if (!v.is_object())
      return fail_at(path, "an object of strings");
    xs.clear();
    for (const auto& kv : v.get_object()) {
      if (!kv.value().is_string())
        return fail_at(path + "." + std::string(kv.key()), "a string");
      const auto& s = kv.value().get_string();
      xs.push_back({std::string(kv.key()), std::string(s.data(), s.size())});
    }
  }
  void convert(const json::value& v, provider_scopes& xs, const std::string& path) {
    if (!v.is_object())
      return fail_at(path, "an object of string arrays");
    xs.clear();
    for (const auto& kv : v.get_object()) {
      std::vector<std::string> list;
      convert(kv.value(), list, path + "." + std::string(kv.key()));
      if (!error_->empty())
        return;
      xs.emplace(std::string(kv.key()), std::move(list));
    }
  }
  template <class T>
  void convert(const json::value& v, std::vector<T>& xs, const std::string& path) {
    if (!v.is_array())
      return fail_at(path, "an array");
    xs.clear();
    std::size_t i = 0;
    for (const auto& item : v.get_array()) {
      T x;
      convert(item, x, path + "[" + std::to_string(i++) + "]");
      if (!error_->empty())
        return;
      xs.push_back(std::move(x));
    }
  }
  template <class T>
  void convert(const json::value& v, T& x, const std::string& path) {
    if (!v.is_object())
      return fail_at(path, "an object");
    reader nested{v.get_object(), path, error_};
    describe(nested, x);
  }

  const json::object& obj_;
  std::string path_;
  std::string* error_;
};

std::optional<json::value> parse_bounded(std::string_view text, std::string& why) {
  json::parse_options opts;
  opts.max_depth = max_json_depth;
  boost::system::error_code ec;
  auto v = json::parse(text, ec, json::storage_ptr(), opts);
  if (ec) {
    why = ec.message();
    return std::nullopt;
  }
  return v;
}

} // namespace

template <class T>
std::string to_json(const T& x) {
  writer w;
  describe(w, const_cast<T&>(x));
  return json::serialize(w.out);
}

template <class T>
caf::expected<T> from_json(std::string_view text) {
  std::string why;
  auto v = parse_bounded(text, why);
  if (!v)
    return to_caf_error(error_code::malformed_json, "body is not valid JSON: " + why);
  if (!v->is_object())
    return to_caf_error(error_code::malformed_json, "body must be a JSON object");
  T x;
  std::string error;
  reader r{v->get_object(), {}, &error};
  describe(r, x);
  if (!error.empty())
    return to_caf_error(error_code::malformed_json, std::move(error));
  return x;
}

#define ALTER_CODEC(type)                                                              \
  template std::string to_json<type>(const type&);                                     \
  template caf::expected<type> from_json<type>(std::string_view);

ALTER_CODEC(injection)
ALTER_CODEC(token_response)
ALTER_CODEC(token_request)
ALTER_CODEC(proxy_request)
ALTER_CODEC(proxy_result)
ALTER_CODEC(pending_approval)
ALTER_CODEC(grant_item)
ALTER_CODEC(grant_list)
ALTER_CODEC(agent_info)
ALTER_CODEC(approval_status)
ALTER_CODEC(audit_entry)
ALTER_CODEC(audit_page)
ALTER_CODEC(provider_call_reports)
ALTER_CODEC(agent_create)
ALTER_CODEC(agent_created)
ALTER_CODEC(agent_list)
ALTER_CODEC(agent_update)
ALTER_CODEC(key_info)
ALTER_CODEC(minted_key)
ALTER_CODEC(key_list)
ALTER_CODEC(key_derivation)
ALTER_CODEC(key_rotation)
ALTER_CODEC(managed_secret_grant)
ALTER_CODEC(created_grant)
ALTER_CODEC(revoked_grant)
ALTER_CODEC(revoked_delegation)
ALTER_CODEC(connect_request)
ALTER_CODEC(connect_session)
ALTER_CODEC(connect_status)
ALTER_CODEC(auth_session)
ALTER_CODEC(auth_status)
ALTER_CODEC(verified_user)
ALTER_CODEC(identity_context)
ALTER_CODEC(scope_catalog)
ALTER_CODEC(provider_catalog)

#undef ALTER_CODEC

// -- field lists as objects -----------------------------------------------------

std::string fields_to_json(const field_list& fields) {
  writer w;
  w.optional("x", fields);
  return json::serialize(w.out["x"]);
}

field_list fields_from_json(std::string_view text) {
  field_list out;
  std::string why;
  auto v = parse_bounded(text, why);
  if (!v || !v->is_object())
    return out;
  for (const auto& kv : v->get_object())
    if (kv.value().is_string())
      out.push_back({std::string{kv.key()}, std::string{kv.value().get_string()}});
  return out;
}

// -- error envelope ---------------------------------------------------------------

std::string error_envelope(const alter_error& e) {
  json::object err;
  err["code"] = name_of(e.code);
  err["message"] = to_valid_utf8(e.message);
  std::string why;
  auto details
      = e.details_json.empty() ? std::nullopt : parse_bounded(e.details_json, why);
  err["details"] = details && details->is_object() ? *details : json::object{};
  json::object root;
  root["error"] = std::move(err);
  root["request_id"] = to_valid_utf8(e.request_id);
  return json::serialize(root);
}

alter_error parse_error_envelope(int http_status, std::string_view body) {
  alter_error e;
  e.http_status = http_status;
  // Without an envelope (a gateway in front of the backend answered), the
  // status still says what kind of failure it was.
  switch (http_status) {
    case 429:
      e.code = error_code::rate_limited;
      break;
    case 502:
      e.code = error_code::bad_gateway;
      break;
    case 503:
      e.code = error_code::service_unavailable;
      break;
    case 504:
      e.code = error_code::gateway_timeout;
      break;
    default:
      e.code = error_code::unknown_error;
  }
  e.message = "HTTP " + std::to_string(http_status) + " without an error envelope";
  std::string why;
  auto v = parse_bounded(body, why);
  if (!v || !v->is_object())
    return e;
  const auto& root = v->get_object();
  if (auto* rid = root.if_contains("request_id"); rid && rid->is_string())
    e.request_id = std::string(rid->get_string());
  auto* err = root.if_contains("error");
  if (err == nullptr || !err->is_object())
    return e;
  const auto& obj = err->get_object();
  if (auto* code = obj.if_contains("code"); code && code->is_string()) {
    std::string_view name{code->get_string().data(), code->get_string().size()};
    if (auto known = parse_error_code(name))
      e.code = *known;
    else
      e.message = "unknown error code '" + std::string(name) + "'";
  }
  if (auto* msg = obj.if_contains("message"); msg && msg->is_string())
    e.message = std::string(msg->get_string());
  if (auto* details = obj.if_contains("details"); details && details->is_object())
    e.details_json = json::serialize(*details);
  return e;
}

} // namespace alter
