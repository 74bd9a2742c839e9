// The Prometheus text format (0.0.4) as the backend's /metrics and the SDK's
// runtime_stats write it: one way to escape a label value, one way to
// introduce a series.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace alter {

/// `text` as a label value between quotes: backslash, quote and newline
/// escaped (\\, \", \n).
std::string prometheus_label_value(std::string_view text);

/// The "# HELP" and "# TYPE" lines of series `name` (`kind`: counter, gauge,
/// histogram).
void prometheus_series_header(std::ostream& out, std::string_view name,
                              std::string_view kind, std::string_view help);

} // namespace alter
