// The results of a benchmark program: rows of a measurement, its baseline and
// their ratio, printed as they come, then as a markdown table and as JSON
// (scripts/bench.sh merges the JSON of every program into one report).
#pragma once

#include <string>
#include <vector>

namespace alter::bench {

struct row {
  std::string group;
  std::string name;
  double value = 0;
  std::string unit;
  std::string baseline_name;
  double baseline = 0;
  std::string goal;
  bool met = true;
};

class result_rows {
public:
  /// Prints the row at once (a long run shows progress) and keeps it.
  void add(row r);

  void print_markdown() const;
  void write_json(const std::string& path) const;

private:
  std::vector<row> rows_;
};

} // namespace alter::bench
