#include "alter/backend/policy/rule_book.hpp"

#include "alter/auth/crypto.hpp"
#include "alter/auth/rule_problem.hpp"
#include "alter/backend/policy/rule_parser.hpp"

namespace alter::backend {

rule_book::source rule_book::source::of(const rule_record& r) {
  if (r.rule_body_json.size() <= max_rule_body_chars)
    return {r.rule_type, r.rule_body_json, false};
  return {r.rule_type, crypto::sha256(r.rule_body_json), true};
}

bool rule_book::source::same(const rule_record& r) const {
  if (type != r.rule_type)
    return false;
  // Comparing text is cheaper than any parse; only the long bodies are hashed.
  if (!digest)
    return body == r.rule_body_json;
  return r.rule_body_json.size() > max_rule_body_chars
         && body == crypto::sha256(r.rule_body_json);
}

rule_book::rule_book(warning_sink warn, std::size_t capacity)
    : warn_(std::move(warn)), capacity_(capacity > 0 ? capacity : 1) {
}

std::vector<loaded_rule> rule_book::load(const std::vector<rule_record>& records) {
  std::vector<loaded_rule> out;
  out.reserve(records.size());
  std::vector<std::string> warnings;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& r : records) {
      if (!r.enabled)
        continue;
      auto i = entries_.find(r.id);
      if (i != entries_.end() && i->second.parsed_from.same(r)) {
        recency_.splice(recency_.begin(), recency_, i->second.recency);
        out.push_back({r.id, r.name, i->second.parse});
        continue;
      }
      ++parses_;
      auto parse = std::make_shared<const rule_parse>(
          parse_rule(r.rule_type, r.rule_body_json));
      if (!*parse)
        warnings.push_back("policy: stored rule " + quoted(r.id) + " of app "
                           + quoted(r.app_id)
                           + " does not parse and denies every call it applies "
                             "to: "
                           + parse->problem().to_string());
      keep(r.id, source::of(r), parse);
      out.push_back({r.id, r.name, std::move(parse)});
    }
  }
  if (warn_)
    for (const auto& w : warnings)
      warn_(w);
  return out;
}

void rule_book::remember(const rule_record& r, parsed_rule parsed) {
  auto parse = std::make_shared<const rule_parse>(std::move(parsed));
  auto from = source::of(r);
  std::lock_guard<std::mutex> guard{mtx_};
  keep(r.id, std::move(from), std::move(parse));
}

std::size_t rule_book::parses() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return parses_;
}

void rule_book::keep(const std::string& id, source from,
                     std::shared_ptr<const rule_parse> parse) {
  auto i = entries_.find(id);
  if (i != entries_.end()) {
    i->second.parsed_from = std::move(from);
    i->second.parse = std::move(parse);
    recency_.splice(recency_.begin(), recency_, i->second.recency);
    return;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(id);
  entries_.emplace(id, entry{std::move(from), std::move(parse), recency_.begin()});
}

} // namespace alter::backend
