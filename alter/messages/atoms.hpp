// The message tags of the runtime's typed actor interfaces.
#pragma once

#include "caf/atom.hpp"

namespace alter {

// CAF 0.17 atoms are values of at most 10 characters.
using exchange_atom = caf::atom_constant<caf::atom("exchange")>;
using credit_atom = caf::atom_constant<caf::atom("credit")>;
using pool_states_atom = caf::atom_constant<caf::atom("poolstates")>;
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
using trace_atom = caf::atom_constant<caf::atom("trace")>;
using scopes_atom = caf::atom_constant<caf::atom("scopes")>;
using providers_atom = caf::atom_constant<caf::atom("providers")>;
using create_grant_atom = caf::atom_constant<caf::atom("mkgrant")>;
using revoke_grant_atom = caf::atom_constant<caf::atom("rmgrant")>;
using revoke_delegation_atom = caf::atom_constant<caf::atom("rmdelegate")>;
using agents_atom = caf::atom_constant<caf::atom("agents")>;
using keys_atom = caf::atom_constant<caf::atom("keys")>;
using connect_session_atom = caf::atom_constant<caf::atom("connsess")>;
using poll_connect_atom = caf::atom_constant<caf::atom("connpoll")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using verify_token_atom = caf::atom_constant<caf::atom("verifytok")>;
using resolve_identity_atom = caf::atom_constant<caf::atom("resolveid")>;
using auth_session_atom = caf::atom_constant<caf::atom("authsess")>;
using poll_auth_atom = caf::atom_constant<caf::atom("authpoll")>;
using authenticate_atom = caf::atom_constant<caf::atom("authn")>;
using actor_id_atom = caf::atom_constant<caf::atom("actorid")>;
using key_status_atom = caf::atom_constant<caf::atom("keystatus")>;
using base_url_atom = caf::atom_constant<caf::atom("baseurl")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using get_by_name_atom = caf::atom_constant<caf::atom("getbyname")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using mint_key_atom = caf::atom_constant<caf::atom("mintkey")>;
using list_keys_atom = caf::atom_constant<caf::atom("listkeys")>;
using deprecate_key_atom = caf::atom_constant<caf::atom("deprecate")>;
using undeprecate_key_atom = caf::atom_constant<caf::atom("undeprec")>;
using revoke_key_atom = caf::atom_constant<caf::atom("revokekey")>;
using derive_atom = caf::atom_constant<caf::atom("derive")>;
using rotate_atom = caf::atom_constant<caf::atom("rotate")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using user_token_atom = caf::atom_constant<caf::atom("usertoken")>;
using close_atom = caf::close_atom;

constexpr exchange_atom exchange_atom_v{};
constexpr credit_atom credit_atom_v{};
constexpr pool_states_atom pool_states_atom_v{};
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
constexpr trace_atom trace_atom_v{};
constexpr scopes_atom scopes_atom_v{};
constexpr providers_atom providers_atom_v{};
constexpr create_grant_atom create_grant_atom_v{};
constexpr revoke_grant_atom revoke_grant_atom_v{};
constexpr revoke_delegation_atom revoke_delegation_atom_v{};
constexpr agents_atom agents_atom_v{};
constexpr keys_atom keys_atom_v{};
constexpr connect_session_atom connect_session_atom_v{};
constexpr poll_connect_atom poll_connect_atom_v{};
constexpr connect_atom connect_atom_v{};
constexpr verify_token_atom verify_token_atom_v{};
constexpr resolve_identity_atom resolve_identity_atom_v{};
constexpr auth_session_atom auth_session_atom_v{};
constexpr poll_auth_atom poll_auth_atom_v{};
constexpr authenticate_atom authenticate_atom_v{};
constexpr actor_id_atom actor_id_atom_v{};
constexpr key_status_atom key_status_atom_v{};
constexpr base_url_atom base_url_atom_v{};
constexpr create_atom create_atom_v{};
constexpr list_atom list_atom_v{};
constexpr get_atom get_atom_v{};
constexpr get_by_name_atom get_by_name_atom_v{};
constexpr update_atom update_atom_v{};
constexpr delete_atom delete_atom_v{};
constexpr mint_key_atom mint_key_atom_v{};
constexpr list_keys_atom list_keys_atom_v{};
constexpr deprecate_key_atom deprecate_key_atom_v{};
constexpr undeprecate_key_atom undeprecate_key_atom_v{};
constexpr revoke_key_atom revoke_key_atom_v{};
constexpr derive_atom derive_atom_v{};
constexpr rotate_atom rotate_atom_v{};
constexpr revoke_atom revoke_atom_v{};
constexpr timer_atom timer_atom_v{};
constexpr user_token_atom user_token_atom_v{};
constexpr close_atom close_atom_v{};

} // namespace alter
