// The store cannot serve a call now: no database connection became free in
// time, or the database cannot be reached. Nothing was written by the call
// that got it; a retry later may succeed (routes answer 503).
#pragma once

#include <stdexcept>

namespace alter::backend {

class store_unavailable : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace alter::backend
