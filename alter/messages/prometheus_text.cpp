#include "alter/messages/prometheus_text.hpp"

namespace alter {

std::string prometheus_label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"')
      out += '\\';
    out += c;
  }
  return out;
}

void prometheus_series_header(std::ostream& out, std::string_view name,
                              std::string_view kind, std::string_view help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << kind << "\n";
}

} // namespace alter
