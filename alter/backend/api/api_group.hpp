// The /v1 route group: its middleware chain, in this order (each step answers
// with the wire protocol's error envelope):
//   attribution headers -> signed-key authentication -> trace scope
//   -> (routing: 404 not_found / 405 method_not_allowed)
//   -> scope -> media type -> paused agent
#pragma once

#include "alter/backend/api/router.hpp"

namespace alter::backend {

class authenticator;

route_group_spec api_group(authenticator& auth);

} // namespace alter::backend
