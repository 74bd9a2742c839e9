// The message tags of the runtime's typed actor interfaces.
#pragma once

#include "caf/atom.hpp"

namespace alter {

// CAF 0.17 atoms are values of at most 10 characters.
using exchange_atom = caf::atom_constant<caf::atom("exchange")>;
using credit_atom = caf::atom_constant<caf::atom("credit")>;
using request_atom = caf::atom_constant<caf::atom("request")>;
using proxy_atom = caf::atom_constant<caf::atom("proxy")>;
using list_grants_atom = caf::atom_constant<caf::atom("lsgrants")>;
using me_atom = caf::atom_constant<caf::atom("me")>;
using get_agent_atom = caf::atom_constant<caf::atom("getagent")>;
using last_retry_info_atom = caf::atom_constant<caf::atom("lastretry")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using approval_status_atom = caf::atom_constant<caf::atom("aprstatus")>;
using await_approval_atom = caf::atom_constant<caf::atom("aprawait")>;
using audit_query_atom = caf::atom_constant<caf::atom("auditquery")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using constrain_atom = caf::atom_constant<caf::atom("constrain")>;
using close_atom = caf::close_atom;

constexpr exchange_atom exchange_atom_v{};
constexpr credit_atom credit_atom_v{};
constexpr request_atom request_atom_v{};
constexpr proxy_atom proxy_atom_v{};
constexpr list_grants_atom list_grants_atom_v{};
constexpr me_atom me_atom_v{};
constexpr get_agent_atom get_agent_atom_v{};
constexpr last_retry_info_atom last_retry_info_atom_v{};
constexpr sweep_atom sweep_atom_v{};
constexpr approval_status_atom approval_status_atom_v{};
constexpr await_approval_atom await_approval_atom_v{};
constexpr audit_query_atom audit_query_atom_v{};
constexpr flush_atom flush_atom_v{};
constexpr constrain_atom constrain_atom_v{};
constexpr close_atom close_atom_v{};

} // namespace alter
