// Every wire model's JSON decoder, and the error envelope. The first byte picks
// the model; whatever decodes must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "alter/messages/agent_info.hpp"
#include "alter/messages/agents.hpp"
#include "alter/messages/approvals.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/catalogs.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/grants.hpp"
#include "alter/messages/identity.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/keys.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/wire_requests.hpp"
#include "fuzz_check.hpp"

namespace {

/// Whatever decodes re-encodes to a fixpoint: decode(encode(x)) encodes as x
/// did, so no field is lost or changed on the way.
template <class T>
void round_trip(std::string_view text) {
  auto first = alter::from_json<T>(text);
  if (!first)
    return;
  auto encoded = alter::to_json(*first);
  auto again = alter::from_json<T>(encoded);
  FUZZ_CHECK(again);
  FUZZ_CHECK(alter::to_json(*again) == encoded);
}

using decoder = void (*)(std::string_view);

constexpr decoder decoders[] = {
    round_trip<alter::injection>,          round_trip<alter::token_response>,
    round_trip<alter::token_request>,      round_trip<alter::proxy_request>,
    round_trip<alter::proxy_result>,       round_trip<alter::pending_approval>,
    round_trip<alter::grant_item>,         round_trip<alter::grant_list>,
    round_trip<alter::agent_info>,         round_trip<alter::approval_status>,
    round_trip<alter::audit_page>,         round_trip<alter::provider_call_reports>,
    round_trip<alter::agent_create>,       round_trip<alter::agent_created>,
    round_trip<alter::agent_list>,         round_trip<alter::agent_update>,
    round_trip<alter::key_info>,           round_trip<alter::minted_key>,
    round_trip<alter::key_list>,           round_trip<alter::key_derivation>,
    round_trip<alter::key_rotation>,       round_trip<alter::managed_secret_grant>,
    round_trip<alter::created_grant>,      round_trip<alter::revoked_grant>,
    round_trip<alter::revoked_delegation>, round_trip<alter::connect_request>,
    round_trip<alter::connect_session>,    round_trip<alter::connect_status>,
    round_trip<alter::auth_session>,       round_trip<alter::auth_status>,
    round_trip<alter::verified_user>,      round_trip<alter::identity_context>,
    round_trip<alter::scope_catalog>,      round_trip<alter::provider_catalog>,
};

constexpr std::size_t decoder_count = sizeof(decoders) / sizeof(decoders[0]);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view text{reinterpret_cast<const char*>(data) + 1, size - 1};
  auto pick = data[0] % (decoder_count + 1);
  if (pick < decoder_count) {
    decoders[pick](text);
    return 0;
  }
  // Any status with any body: always a typed error, never a throw.
  auto e = alter::parse_error_envelope(400 + (data[0] % 200), text);
  FUZZ_CHECK(!e.message.empty() || e.code != alter::error_code{});
  return 0;
}
