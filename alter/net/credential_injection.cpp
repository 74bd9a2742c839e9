#include "alter/net/credential_injection.hpp"

#include <algorithm>

#include "alter/messages/alter_error.hpp"
#include "alter/net/url.hpp"

namespace alter::net {

namespace {

std::string format_credential(std::string_view format, std::string_view token) {
  std::string out;
  constexpr std::string_view placeholder = "{token}";
  auto pos = format.find(placeholder);
  if (pos == std::string_view::npos)
    return std::string{token};
  out.append(format.substr(0, pos));
  out.append(token);
  out.append(format.substr(pos + placeholder.size()));
  return out;
}

void set_header(field_list& headers, const std::string& name, std::string value) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const field& f) { return iequals(f.name, name); }),
                headers.end());
  headers.push_back({name, std::move(value)});
}

} // namespace

caf::expected<http_request> inject_credential(http_request req,
                                              const token_response& token) {
  if (!token.injection_header.empty())
    set_header(req.headers, token.injection_header,
               format_credential(token.injection_format, token.access_token));
  field_list query;
  for (const auto& inj : token.additional_injections) {
    std::string value;
    if (inj.value_source == "token") {
      value = token.access_token;
    } else if (inj.value_source.rfind("credential:", 0) == 0) {
      auto name = inj.value_source.substr(11);
      const auto* v = find_field(token.additional_credentials, name);
      if (v == nullptr)
        return to_caf_error(error_code::malformed_response,
                            "token metadata names credential '" + name
                                + "' but does not carry it");
      value = *v;
    } else {
      return to_caf_error(error_code::malformed_response,
                          "token metadata has unknown value_source '" + inj.value_source
                              + "'");
    }
    if (inj.target == "header")
      set_header(req.headers, inj.key, std::move(value));
    else if (inj.target == "query")
      query.push_back({inj.key, std::move(value)});
    else
      return to_caf_error(error_code::malformed_response,
                          "token metadata has unknown injection target '" + inj.target
                              + "'");
  }
  req.target = append_query(std::move(req.target), query);
  return req;
}

} // namespace alter::net
