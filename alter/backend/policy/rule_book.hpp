// Parsed rules kept between calls. A rule is parsed when it is stored
// (remember) or first loaded from the database (load), and again only when its
// type or body changed: entries are keyed by rule id and hold the type and body
// they parsed (a digest for a body too long to parse), so that a backend
// sharing its database with others never evaluates a stale parse of a rule
// another one changed. A stored rule that does not parse
// is reported once and denies every call it applies to (fail closed).
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "alter/backend/policy/parsed_rule.hpp"
#include "alter/backend/policy/policy_engine.hpp"
#include "alter/backend/store/records.hpp"

namespace alter::backend {

class rule_book {
public:
  /// Receives one line per stored rule that does not parse.
  using warning_sink = std::function<void(const std::string&)>;

  /// Holds at most `capacity` rules; the least recently used go first.
  explicit rule_book(warning_sink warn, std::size_t capacity = 4096);

  rule_book(const rule_book&) = delete;
  rule_book& operator=(const rule_book&) = delete;

  /// The enabled `records`, ready to evaluate.
  std::vector<loaded_rule> load(const std::vector<rule_record>& records);

  /// Keeps the parse of a rule just validated and stored (`parsed` must come
  /// from check_rule or parse_rule of `r`), so that its calls parse nothing.
  void remember(const rule_record& r, parsed_rule parsed);

  /// How many rule bodies this book parsed (tests: calls parse nothing).
  std::size_t parses() const;

private:
  /// What a parse depends on: the type and the body, or the body's SHA-256
  /// when it is too long to parse (so that no entry holds a hostile body).
  struct source {
    std::string type;
    std::string body;
    bool digest = false;

    static source of(const rule_record& r);
    /// True when `r` still has this type and body.
    bool same(const rule_record& r) const;
  };

  struct entry {
    source parsed_from;
    std::shared_ptr<const rule_parse> parse;
    std::list<std::string>::iterator recency;
  };

  /// Under mtx_: puts `parse` under `id`, evicting the oldest entry when full.
  void keep(const std::string& id, source from,
            std::shared_ptr<const rule_parse> parse);

  warning_sink warn_;
  std::size_t capacity_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, entry> entries_;
  /// Rule ids, most recently used first.
  std::list<std::string> recency_;
  std::size_t parses_ = 0;
};

} // namespace alter::backend
