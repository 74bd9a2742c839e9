// One exception type per SDK error class, for code that prefers exceptions (the
// blocking facade throws these). Names and inheritance follow the SDK reference:
//
//   try { agent.request(call); }
//   catch (const alter::errors::ReAuthRequiredError& e) { /* send the user to Connect
//   */ } catch (const alter::errors::BackendError& e) { log(e.error().code); }
#pragma once

#include <stdexcept>

#include "alter/messages/alter_error.hpp"

namespace alter::errors {

class AlterSDKError : public std::runtime_error {
public:
  explicit AlterSDKError(alter_error e);

  const alter_error& error() const noexcept {
    return error_;
  }

private:
  alter_error error_;
};

#define ALTER_X(name, parent)                                                          \
  class name : public parent {                                                         \
  public:                                                                              \
    using parent::parent;                                                              \
  };
ALTER_ERROR_SUBCLASSES(ALTER_X)
#undef ALTER_X

/// Throws the exception of the error's class.
[[noreturn]] void throw_error(alter_error e);

} // namespace alter::errors
