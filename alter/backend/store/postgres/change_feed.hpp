// Internal to the PostgreSQL store: the change feed across the instances that
// share the database, on LISTEN/NOTIFY. A publication wakes this instance's
// subscribers at once and is sent as a NOTIFY on channel alter_changes; a
// listener thread with a connection of its own (LISTEN) hands other instances'
// notifications to this instance's subscribers. A notification sent while the
// listener is reconnecting is lost, which subscribers tolerate (change_feed.hpp).
// The listener's session also holds a lock on this process's name for as long
// as it is connected: other instances read it as "this process runs"
// (store::process_gone).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "alter/backend/store/local_change_feed.hpp"

namespace alter::backend {

class pg_pool;

/// The advisory-lock class (first key) of the session locks on process names
/// (process_identity.hpp); the second key is hashtext(name).
constexpr int32_t process_lock_class = 0x616c7472; // "altr"

class pg_change_feed final : public change_feed {
public:
  pg_change_feed(pg_pool& pool, std::string conninfo);
  ~pg_change_feed() override;
  pg_change_feed(const pg_change_feed&) = delete;
  pg_change_feed& operator=(const pg_change_feed&) = delete;

  void publish(change_topic topic, std::string_view id) noexcept override;
  change_subscription
  subscribe(change_topic topic,
            std::function<void(const std::string&)> callback) override;

private:
  void listen();

  pg_pool& pool_;
  std::string conninfo_;
  /// Marks this instance's own notifications, which it already delivered.
  std::string instance_;
  local_change_feed local_;
  std::atomic<bool> stop_{false};
  // Set once the listener first connected (and tried for the process lock).
  std::mutex ready_mtx_;
  std::condition_variable ready_cv_;
  bool ready_ = false;
  int wake_[2] = {-1, -1};
  std::thread listener_;
};

} // namespace alter::backend
