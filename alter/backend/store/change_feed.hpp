// Wake-ups between the instances that share a database: a writer publishes
// (topic, id) after its change committed; every subscriber of the topic, on
// this instance or (with a feed that crosses processes, such as PostgreSQL's
// LISTEN/NOTIFY) on another, is called with the id. A notification carries no
// state and may be lost (a dropped connection): subscribers re-read the store
// when woken, and must not rely on being woken at all for correctness.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace alter::backend {

/// What changed: one topic per kind of row whose waiters need waking.
enum class change_topic {
  /// An approval moved on (decided, expired, executing, finished); id: its id.
  approval,
};

/// A subscriber's hold on its callback: the callback is not called any more
/// once the subscription is destroyed (destruction waits for a call under way).
class change_subscription {
public:
  change_subscription() = default;
  explicit change_subscription(std::function<void()> cancel)
      : cancel_(std::move(cancel)) {
  }
  change_subscription(change_subscription&& other) noexcept
      : cancel_(std::move(other.cancel_)) {
    other.cancel_ = nullptr;
  }
  change_subscription& operator=(change_subscription&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::move(other.cancel_);
      other.cancel_ = nullptr;
    }
    return *this;
  }
  change_subscription(const change_subscription&) = delete;
  change_subscription& operator=(const change_subscription&) = delete;
  ~change_subscription() {
    reset();
  }

  /// Ends the subscription now.
  void reset() noexcept {
    if (cancel_) {
      auto cancel = std::move(cancel_);
      cancel_ = nullptr;
      cancel();
    }
  }

private:
  std::function<void()> cancel_;
};

class change_feed {
public:
  virtual ~change_feed() = default;

  /// Announces that the row `id` of `topic` changed (call it after the commit).
  /// Never throws: a notification that cannot be sent is lost.
  virtual void publish(change_topic topic, std::string_view id) noexcept = 0;

  /// Calls `callback(id)` for every publication on `topic` until the returned
  /// subscription ends. The callback runs on the publisher's thread (or the
  /// feed's own) and must be quick and must not end its own subscription.
  virtual change_subscription
  subscribe(change_topic topic, std::function<void(const std::string&)> callback)
      = 0;
};

} // namespace alter::backend
