// ALTER_INSPECT: the CAF 0.17 inspect overload of a plain model, from its fields.
// Models whose inspect needs more (optional members) write it by hand.
#pragma once

#include "caf/meta/type_name.hpp"

#define ALTER_INSPECT(type, ...)                                                       \
  template <class Inspector>                                                           \
  typename Inspector::result_type inspect(Inspector& f, type& x) {                     \
    return f(caf::meta::type_name(#type), __VA_ARGS__);                                \
  }
