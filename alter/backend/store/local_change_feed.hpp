// The change feed of one process: publications reach the subscribers of this
// process only (the SQLite store's feed: one server per database file).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "alter/backend/store/change_feed.hpp"

namespace alter::backend {

class local_change_feed final : public change_feed {
public:
  void publish(change_topic topic, std::string_view id) noexcept override;
  change_subscription
  subscribe(change_topic topic,
            std::function<void(const std::string&)> callback) override;

private:
  struct subscriber;

  std::mutex mtx_;
  std::vector<std::shared_ptr<subscriber>> subscribers_;
};

} // namespace alter::backend
