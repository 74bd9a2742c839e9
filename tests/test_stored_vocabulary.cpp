// The stored vocabulary: every state and kind has one name that reads back as
// itself. That the store writes these names and reads a name that is none of
// them (bytes written by another program, a damaged file) as the value that
// refuses access is part of the store's contract (store_conformance.hpp).
#define CAF_SUITE stored_vocabulary
#include "caf/test/unit_test.hpp"

#include <initializer_list>
#include <string>

#include "alter/backend/store/vocabulary.hpp"

using namespace alter;
using namespace alter::backend;

namespace {

/// Every value names itself and reads back; near misses are no names and
/// leave the target untouched.
template <class Enum>
void check_names(std::initializer_list<Enum> all) {
  for (auto x : all) {
    auto name = std::string{to_string(x)};
    Enum back = *all.begin() == x ? *(all.end() - 1) : *all.begin();
    CAF_CHECK(from_string(name, back));
    CAF_CHECK(back == x);
    for (auto miss :
         {std::string{}, name + " ", " " + name, name.substr(1), "X" + name}) {
      Enum untouched = x;
      CAF_CHECK(!from_string(miss, untouched));
      CAF_CHECK(untouched == x);
    }
  }
  // Two values never share a name.
  for (auto a : all)
    for (auto b : all)
      CAF_CHECK((a == b) == (to_string(a) == to_string(b)));
}

} // namespace

CAF_TEST(every stored name reads back as itself and near misses are no names) {
  check_names({key_type::runtime, key_type::agent, key_type::derived,
               key_type::personal, key_type::legacy});
  check_names({key_status::active, key_status::deprecated, key_status::revoked});
  check_names({agent_status::active, agent_status::inactive, agent_status::revoked});
  check_names({agent_type::agent, agent_type::service});
  check_names({grant_status::active, grant_status::revoked, grant_status::expired});
  check_names({grant_kind::oauth, grant_kind::managed_secret});
  check_names({principal_type::agent, principal_type::user, principal_type::group,
               principal_type::system});
  check_names({app_user_status::active, app_user_status::suspended});
  check_names({approval_state::pending, approval_state::approved,
               approval_state::denied, approval_state::expired,
               approval_state::executing, approval_state::executed,
               approval_state::failed});
  check_names({session_kind::connect, session_kind::auth});
  check_names({session_status::pending, session_status::completed,
               session_status::denied, session_status::expired,
               session_status::failed});
  check_names({oauth_token_state::valid, oauth_token_state::reauth_required});
  check_names({audit_outcome::success, audit_outcome::error, audit_outcome::denied,
               audit_outcome::pending});
}
