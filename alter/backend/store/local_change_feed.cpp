#include "alter/backend/store/local_change_feed.hpp"

#include <algorithm>

namespace alter::backend {

struct local_change_feed::subscriber {
  change_topic topic;
  std::function<void(const std::string&)> callback;
  /// Held while the callback runs, so that cancelling waits for it.
  std::mutex mtx;
  bool live = true;
};

void local_change_feed::publish(change_topic topic, std::string_view id) noexcept {
  try {
    std::vector<std::shared_ptr<subscriber>> targets;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      for (const auto& s : subscribers_)
        if (s->topic == topic)
          targets.push_back(s);
    }
    std::string text{id};
    for (const auto& s : targets) {
      std::lock_guard<std::mutex> guard{s->mtx};
      if (!s->live)
        continue;
      try {
        s->callback(text);
      } catch (...) {
        // One subscriber's failure neither reaches the publisher nor the others.
      }
    }
  } catch (...) {
    // Out of memory: the notification is lost, which subscribers tolerate.
  }
}

change_subscription
local_change_feed::subscribe(change_topic topic,
                             std::function<void(const std::string&)> callback) {
  auto s = std::make_shared<subscriber>();
  s->topic = topic;
  s->callback = std::move(callback);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    subscribers_.push_back(s);
  }
  return change_subscription{[this, s] {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), s),
                         subscribers_.end());
    }
    std::lock_guard<std::mutex> guard{s->mtx};
    s->live = false;
  }};
}

} // namespace alter::backend
