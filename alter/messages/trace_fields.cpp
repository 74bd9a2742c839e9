#include "alter/messages/trace_fields.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/traceparent.hpp"

namespace alter {

namespace {

constexpr std::size_t max_value = 200;
constexpr std::size_t max_extra = 16;
constexpr std::size_t max_name = 64;

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e)
      return false;
  return true;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > max_name)
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

std::optional<std::string> value_problem(const char* what, std::string_view v) {
  if (v.size() > max_value || !printable(v))
    return std::string{what} + " must be at most 200 printable ASCII characters";
  return std::nullopt;
}

} // namespace

trace_fields merge(const trace_fields& outer, const trace_fields& inner) {
  trace_fields out = outer;
  if (!inner.run_id.empty())
    out.run_id = inner.run_id;
  if (!inner.thread_id.empty())
    out.thread_id = inner.thread_id;
  if (!inner.tool_call_id.empty())
    out.tool_call_id = inner.tool_call_id;
  if (!inner.traceparent.empty())
    out.traceparent = inner.traceparent;
  for (const auto& f : inner.extra) {
    auto same = [&](const field& x) { return x.name == f.name; };
    auto i = std::find_if(out.extra.begin(), out.extra.end(), same);
    if (i != out.extra.end())
      i->value = f.value;
    else
      out.extra.push_back(f);
  }
  return out;
}

std::optional<std::string> trace_problem(const trace_fields& t) {
  if (auto p = value_problem("run_id", t.run_id))
    return p;
  if (auto p = value_problem("thread_id", t.thread_id))
    return p;
  if (auto p = value_problem("tool_call_id", t.tool_call_id))
    return p;
  if (!t.traceparent.empty() && !is_valid_traceparent(t.traceparent))
    return std::string{"traceparent must be a W3C traceparent of version 00: "
                       "00-<32 hex>-<16 hex>-<2 hex>, lower case"};
  if (t.extra.size() > max_extra)
    return std::string{"at most 16 extra trace fields"};
  for (std::size_t i = 0; i < t.extra.size(); ++i) {
    const auto& f = t.extra[i];
    if (!valid_name(f.name))
      return "trace field names must be 1-64 characters of a-z, 0-9 and _";
    if (auto p = value_problem("a trace field value", f.value))
      return p;
    for (std::size_t j = 0; j < i; ++j)
      if (t.extra[j].name == f.name)
        return "trace field " + f.name + " is given twice";
  }
  return std::nullopt;
}

std::string encode_trace_extra(const field_list& extra) {
  if (extra.empty())
    return {};
  return base64url_encode(fields_to_json(extra));
}

std::optional<field_list> decode_trace_extra(std::string_view header_value) {
  // 16 fields of 64 + 200 characters, as JSON, as base64url.
  if (header_value.size() > 8192)
    return std::nullopt;
  auto text = base64url_decode(header_value);
  if (!text)
    return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  trace_fields t;
  for (const auto& kv : v.get_object()) {
    if (!kv.value().is_string())
      return std::nullopt;
    t.extra.push_back({std::string{kv.key()}, std::string{kv.value().get_string()}});
  }
  if (trace_problem(t))
    return std::nullopt;
  return std::move(t.extra);
}

} // namespace alter
