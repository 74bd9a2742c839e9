// A value or the SDK error that took its place: what the non-throwing and the
// asynchronous clients return (google-cloud-cpp's StatusOr<T>).
//
//   alter::result<alter::http_response> r = future.get();
//   if (!r) log(r.error().code);   // or r.value(), which throws the SDK's exception
#pragma once

#include <utility>
#include <variant>

#include "alter/messages/alter_error.hpp"
#include "alter/messages/exceptions.hpp"

namespace alter {

template <class T>
class result {
public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {
  }
  result(alter_error error) : state_(std::in_place_index<1>, std::move(error)) {
  }

  bool ok() const noexcept {
    return state_.index() == 0;
  }
  explicit operator bool() const noexcept {
    return ok();
  }

  /// The value; throws the exception of the error's SDK class when there is none.
  T& value() & {
    if (!ok())
      errors::throw_error(error());
    return std::get<0>(state_);
  }
  const T& value() const& {
    if (!ok())
      errors::throw_error(error());
    return std::get<0>(state_);
  }
  T&& value() && {
    if (!ok())
      errors::throw_error(error());
    return std::get<0>(std::move(state_));
  }
  T* operator->() {
    return &value();
  }
  const T* operator->() const {
    return &value();
  }
  T& operator*() & {
    return value();
  }

  /// The error; only meaningful when !ok() (a default error otherwise).
  const alter_error& error() const noexcept {
    static const alter_error none{};
    return ok() ? none : std::get<1>(state_);
  }

private:
  std::variant<T, alter_error> state_;
};

} // namespace alter
