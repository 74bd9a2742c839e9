// Who decides a held call and how they hear of it: the `approval` member of a
// require_approval rule, stored or the client's constraint rule,
//   {"approvers": ["alice@example.com", ...], "channels": ["email"]}.
// One parser for both (docs/policies.md, "Approvers and channels").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "alter/auth/rule_problem.hpp"

namespace boost::json {
class object;
class value;
} // namespace boost::json

namespace alter {

/// How approvers hear of a held call besides its approval page.
enum class approval_channel : uint8_t {
  /// A message to each approver whose name is an email address, written to
  /// the mail outbox the operator configured.
  email,
};

std::string_view to_string(approval_channel c) noexcept;

bool from_string(std::string_view text, approval_channel& out) noexcept;

/// "email": for messages that list the valid channels.
std::string approval_channel_names();

constexpr std::size_t max_approvers = 20;
constexpr std::size_t max_approver_name_chars = 254;

/// A name an approver can be listed by: 1 to max_approver_name_chars
/// characters, no control characters (names end up in mail headers).
bool is_approver_name(std::string_view name) noexcept;

struct approval_routing {
  /// The approvers who may decide, by the name they were added with
  /// (`alter-local approver add --name`); empty: every approver of the app.
  std::vector<std::string> approvers;
  /// Absent from a rule: email. Empty (`"channels": []`): the page only.
  std::vector<approval_channel> channels{approval_channel::email};

  /// True for a rule that said nothing about its approval.
  bool is_default() const noexcept;

  /// True when the approver called `name` may decide (names compare without
  /// regard to ASCII case, as email addresses are used).
  bool admits(std::string_view name) const noexcept;
};

bool operator==(const approval_routing& a, const approval_routing& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approval_routing& x) {
  return f(caf::meta::type_name("approval_routing"), x.approvers, x.channels);
}

/// Reads the `approval` member into `out`; on failure the problem names the
/// field under `where` ("rule_body.approval.channels[1]").
std::optional<rule_problem> parse_approval_routing(const boost::json::value& v,
                                                   std::string_view where,
                                                   approval_routing& out);

/// The member as parse_approval_routing reads it.
boost::json::object to_json_object(const approval_routing& x);

} // namespace alter
