#include "benchmarks/result_rows.hpp"

#include <cstdio>
#include <fstream>

#include <boost/json.hpp>

namespace alter::bench {

void result_rows::add(row r) {
  std::printf("  %-52s %12.3f %-10s", r.name.c_str(), r.value, r.unit.c_str());
  if (r.baseline > 0)
    std::printf(" baseline %12.3f  ratio %.3f", r.baseline, r.value / r.baseline);
  std::printf("\n");
  std::fflush(stdout);
  rows_.push_back(std::move(r));
}

void result_rows::print_markdown() const {
  std::printf(
      "\n| benchmark | value | baseline | ratio | goal |\n|---|---|---|---|---|\n");
  for (const auto& r : rows_) {
    std::printf("| %s | %.3f %s | ", r.name.c_str(), r.value, r.unit.c_str());
    if (r.baseline > 0)
      std::printf("%.3f (%s) | %.3f | ", r.baseline, r.baseline_name.c_str(),
                  r.value / r.baseline);
    else
      std::printf("— | — | ");
    std::printf("%s%s |\n", r.goal.c_str(),
                r.goal.empty() ? "" : (r.met ? " (met)" : " (missed)"));
  }
}

void result_rows::write_json(const std::string& path) const {
  boost::json::array out;
  for (const auto& r : rows_)
    out.push_back({{"group", r.group},
                   {"name", r.name},
                   {"value", r.value},
                   {"unit", r.unit},
                   {"baseline_name", r.baseline_name},
                   {"baseline", r.baseline},
                   {"ratio", r.baseline > 0 ? r.value / r.baseline : 0.0},
                   {"goal", r.goal},
                   {"met", r.met}});
  std::ofstream{path} << boost::json::serialize(out) << "\n";
}

} // namespace alter::bench
