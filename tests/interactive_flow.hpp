// Drives a flow that waits for a person (connect(), authenticate()): the flow
// runs on its own thread, the test plays the person on the page its URL names.
#pragma once

#include <future>
#include <string>

namespace alter::testing {

/// Runs `flow(on_url)` on a thread; `url()` waits for the URL the flow shows,
/// `result()` for what the flow returned (or rethrows what it threw).
template <class T>
class interactive_flow {
public:
  template <class Flow>
  explicit interactive_flow(Flow flow) {
    auto url_ready = std::make_shared<std::promise<std::string>>();
    url_ = url_ready->get_future();
    result_ = std::async(std::launch::async, [flow, url_ready]() mutable {
      return flow([url_ready](const std::string& url) { url_ready->set_value(url); });
    });
  }

  std::string url() {
    return url_.get();
  }

  T result() {
    return result_.get();
  }

private:
  std::future<std::string> url_;
  std::future<T> result_;
};

} // namespace alter::testing
