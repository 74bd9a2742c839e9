// Times as people read them on the pages: "in 9 min" beside a UTC time, "for
// 30 days" for a grant's life.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace alter::backend {

/// A span in the largest units that matter: "40 s", "9 min", "2 h 5 min",
/// "3 days"; never negative.
std::string duration_words(std::chrono::seconds span);

/// How far the UTC time `iso` (YYYY-MM-DDTHH:MM:SS, optional fraction, Z) is
/// from `now`: "in 9 min", "9 min ago", "now"; "" for text that is no such time.
std::string time_from_now(std::string_view iso,
                          std::chrono::system_clock::time_point now
                          = std::chrono::system_clock::now());

} // namespace alter::backend
