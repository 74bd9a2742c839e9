#include "alter/backend/api/handler_failure.hpp"

#include <exception>

#include "alter/backend/store/store_unavailable.hpp"

namespace alter::backend {

alter_error store_unavailable_error() {
  auto e = make_error(error_code::service_unavailable,
                      "the backend's database is unavailable right now; retry after "
                      "the Retry-After delay");
  e.retry_after_ms = int64_t{store_retry_after_seconds} * 1000;
  return e;
}

alter_error error_of_current_exception() {
  try {
    throw;
  } catch (const store_unavailable&) {
    return store_unavailable_error();
  } catch (...) {
    return make_error(error_code::internal_error, "the request could not be handled");
  }
}

} // namespace alter::backend
