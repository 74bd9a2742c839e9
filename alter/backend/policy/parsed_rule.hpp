// A stored rule's body as typed values, made once by parse_rule
// (rule_parser.hpp) when the rule is stored or loaded; evaluation reads only
// these (docs/policies.md is the language).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/array.hpp>

#include "alter/auth/approval_routing.hpp"
#include "alter/auth/rule_conditions.hpp"
#include "alter/auth/rule_type.hpp"

namespace alter::backend {

/// json_match (denies) and require_approval (holds): {"when": {...}}, and for
/// require_approval {"approval": {"approvers": [...], "channels": [...]}}.
struct match_rule {
  /// Empty: every call.
  std::vector<rule_condition> when;
  /// Who decides a call the rule holds (require_approval only).
  approval_routing approval;
};

/// One network of an allowlist, "10.0.0.0/8" or a bare address.
struct ip_network {
  bool v4 = true;
  /// The address, v4 in the first four bytes.
  std::array<unsigned char, 16> bytes{};
  /// Leading bits that must match: 0..32 (v4) or 0..128 (v6).
  std::size_t prefix = 0;
};

struct ip_allowlist_rule {
  /// Never empty.
  std::vector<ip_network> networks;
};

struct time_window_rule {
  /// Minutes after local midnight; start > end crosses midnight.
  int start_minute = 0;
  int end_minute = 0;
  /// Bit d set when day d (0 = Sunday) is allowed; nullopt: every day.
  std::optional<std::uint8_t> days;
  int64_t utc_offset_minutes = 0;
};

/// Whose calls a rate limit counts.
enum class rate_subject { agent, key, app };

std::string_view to_string(rate_subject s) noexcept;

bool from_string(std::string_view text, rate_subject& out) noexcept;

struct rate_limit_rule {
  int64_t max_calls = 1;
  std::chrono::seconds window{1};
  rate_subject per = rate_subject::agent;
};

/// Checks of one field of the proxied JSON body.
struct parameter_rule {
  /// As written ("order.amount"), for messages.
  std::string field;
  /// The same, split at the dots.
  std::vector<std::string> path;
  std::optional<double> max;
  std::optional<double> min;
  std::optional<boost::json::array> allowed;
  std::optional<boost::json::array> denied;
  bool required = false;
};

struct parsed_rule {
  rule_type type = rule_type::json_match;
  std::variant<match_rule, ip_allowlist_rule, time_window_rule, rate_limit_rule,
               parameter_rule>
      body;
};

} // namespace alter::backend
