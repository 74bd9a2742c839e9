#include "alter/backend/policy/parsed_rule.hpp"

namespace alter::backend {

std::string_view to_string(rate_subject s) noexcept {
  switch (s) {
    case rate_subject::agent:
      return "agent";
    case rate_subject::key:
      return "key";
    case rate_subject::app:
      return "app";
  }
  return "agent";
}

bool from_string(std::string_view text, rate_subject& out) noexcept {
  for (auto s : {rate_subject::agent, rate_subject::key, rate_subject::app}) {
    if (to_string(s) == text) {
      out = s;
      return true;
    }
  }
  return false;
}

} // namespace alter::backend
