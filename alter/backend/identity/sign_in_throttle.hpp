// Slows password guessing at the local identity provider's sign-in page:
// failures are counted per user name and per client address; past a few free
// ones, each further failure locks that name (or address) for a doubling time.
// The table is bounded: when full, forgotten entries go first, then unlocked
// ones, then the one whose last failure is oldest. A locked address is not
// counted further, so one address adds at most a few names to the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace alter::backend {

struct sign_in_throttle_settings {
  /// Failures allowed before the first lock.
  int free_failures = 5;
  /// The first lock; each further failure doubles it, up to max_lock.
  int64_t first_lock_seconds = 30;
  int64_t max_lock_seconds = 15 * 60;
  /// A name or address without failures for this long starts afresh.
  int64_t forget_after_seconds = 60 * 60;
  /// Names plus addresses tracked at once.
  std::size_t max_entries = 8192;
};

class sign_in_throttle {
public:
  /// `clock` gives unix seconds (tests move it).
  explicit sign_in_throttle(std::function<int64_t()> clock,
                            sign_in_throttle_settings settings = {});

  /// Seconds until `user` from `address` may try again; 0 when it may now.
  int64_t wait_seconds(std::string_view user, std::string_view address);

  /// Counts a failed attempt against both.
  void failed(std::string_view user, std::string_view address);

  /// A successful sign-in clears the user's count (not the address's).
  void succeeded(std::string_view user, std::string_view address);

  std::size_t size() const;

private:
  struct entry {
    int failures = 0;
    int64_t last_failure = 0;
    int64_t locked_until = 0;
  };

  int64_t wait_of(const std::string& key, int64_t now) const;
  void count_failure(std::string key, int64_t now);
  void make_room(int64_t now);

  std::function<int64_t()> clock_;
  sign_in_throttle_settings settings_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, entry> entries_;
};

} // namespace alter::backend
