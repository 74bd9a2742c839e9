#include "alter/messages/exceptions.hpp"

namespace alter::errors {

AlterSDKError::AlterSDKError(alter_error e)
    : std::runtime_error(to_string(e)), error_(std::move(e)) {
}

void throw_error(alter_error e) {
  switch (e.cls()) {
#define ALTER_X(name, parent)                                                          \
  case error_class::name:                                                              \
    throw name(std::move(e));
    ALTER_ERROR_CLASSES(ALTER_X)
#undef ALTER_X
  }
  throw AlterSDKError(std::move(e));
}

} // namespace alter::errors
