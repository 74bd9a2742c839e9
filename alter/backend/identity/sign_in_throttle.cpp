#include "alter/backend/identity/sign_in_throttle.hpp"

#include <algorithm>
#include <iterator>

#include "alter/auth/crypto.hpp"

namespace alter::backend {

namespace {

// Names and addresses share the table; the prefix keeps them apart. A name is
// kept as its digest: the form field is the client's, of any length up to the
// body limit, and the table must stay small however long the names typed.
std::string user_key(std::string_view user) {
  return "u:" + crypto::sha256_hex(user);
}

std::string address_key(std::string_view address) {
  return "a:" + std::string{address};
}

} // namespace

sign_in_throttle::sign_in_throttle(std::function<int64_t()> clock,
                                   sign_in_throttle_settings settings)
    : clock_(std::move(clock)), settings_(settings) {
}

int64_t sign_in_throttle::wait_of(const std::string& key, int64_t now) const {
  auto i = entries_.find(key);
  if (i == entries_.end() || i->second.locked_until <= now)
    return 0;
  return i->second.locked_until - now;
}

int64_t sign_in_throttle::wait_seconds(std::string_view user,
                                       std::string_view address) {
  auto now = clock_();
  std::lock_guard<std::mutex> guard{mtx_};
  return std::max(wait_of(user_key(user), now), wait_of(address_key(address), now));
}

void sign_in_throttle::make_room(int64_t now) {
  if (entries_.size() < settings_.max_entries)
    return;
  for (auto i = entries_.begin(); i != entries_.end();) {
    bool forgotten = i->second.locked_until <= now
                     && now - i->second.last_failure >= settings_.forget_after_seconds;
    i = forgotten ? entries_.erase(i) : std::next(i);
  }
  if (entries_.size() < settings_.max_entries)
    return;
  // Still full: an unlocked entry goes before a locked one, then the oldest.
  auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                 [now](const auto& a, const auto& b) {
                                   bool a_locked = a.second.locked_until > now;
                                   bool b_locked = b.second.locked_until > now;
                                   if (a_locked != b_locked)
                                     return !a_locked;
                                   return a.second.last_failure < b.second.last_failure;
                                 });
  entries_.erase(oldest);
}

void sign_in_throttle::count_failure(std::string key, int64_t now) {
  auto i = entries_.find(key);
  if (i == entries_.end()) {
    make_room(now);
    i = entries_.emplace(std::move(key), entry{}).first;
  } else if (now - i->second.last_failure >= settings_.forget_after_seconds
             && i->second.locked_until <= now) {
    i->second = entry{};
  }
  auto& e = i->second;
  ++e.failures;
  e.last_failure = now;
  auto over = e.failures - settings_.free_failures;
  if (over < 0)
    return;
  // 30 s, 60 s, 120 s, ... capped; the shift is bounded before it can overflow.
  auto lock = settings_.first_lock_seconds << std::min(over, 20);
  e.locked_until = now + std::min(lock, settings_.max_lock_seconds);
}

void sign_in_throttle::failed(std::string_view user, std::string_view address) {
  auto now = clock_();
  std::lock_guard<std::mutex> guard{mtx_};
  count_failure(user_key(user), now);
  count_failure(address_key(address), now);
}

void sign_in_throttle::succeeded(std::string_view user, std::string_view address) {
  // The address keeps its count: one good account must not reset the guesses
  // made from the same address at other names.
  (void) address;
  std::lock_guard<std::mutex> guard{mtx_};
  entries_.erase(user_key(user));
}

std::size_t sign_in_throttle::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return entries_.size();
}

} // namespace alter::backend
