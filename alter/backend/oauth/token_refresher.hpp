// Keeps the access tokens of OAuth grants fresh (docs/protocol.md, "OAuth
// grants"). A token that expires within the refresh buffer is refreshed
// before it is used; exactly one caller refreshes a grant at a time:
//
// - in this process, concurrent callers of one grant join one refresh;
// - across instances, the refresh lease in the grant's row decides who
//   refreshes (a conditional UPDATE); the others re-read the row until the
//   new token is there, up to `max_wait`, and then get 409
//   token_refresh_in_progress with Retry-After.
//
// No in-process state outlives a refresh: every path ends by answering all
// the callers that joined it, so a failed refresh never leaves a grant stuck.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "caf/expected.hpp"

#include "alter/backend/store/records.hpp"

namespace alter::net {
class io_runtime;
} // namespace alter::net

namespace alter::backend {

struct backend_context;

struct refresh_options {
  /// A token expiring within this is refreshed before use.
  std::chrono::seconds buffer{60};
  /// How long a refresh may hold the grant's lease; a holder that died loses
  /// it after this. Well above `timeout` plus a busy worker queue: a holder
  /// that loses its lease mid-refresh makes the next holder replay the rotated
  /// refresh token. Instances compare it on their own clocks (keep them
  /// synchronised).
  std::chrono::seconds lease{60};
  /// How long a caller waits for someone else's refresh before it gets 409
  /// token_refresh_in_progress.
  std::chrono::milliseconds max_wait{5000};
  /// How often a waiter re-reads the row while another instance refreshes.
  std::chrono::milliseconds poll{50};
  /// The token endpoint's time limit.
  std::chrono::milliseconds timeout{10000};
};

/// Counters, for tests, metrics and the swarm's report.
struct refresh_counts {
  int64_t refreshed = 0;
  int64_t failed = 0;
  int64_t reauth_required = 0;
  int64_t waited_out = 0;
};

using tokens_callback = std::function<void(caf::expected<oauth_token_record>)>;

class token_refresher {
public:
  token_refresher(backend_context& ctx, net::io_runtime& io, refresh_options options);
  ~token_refresher();
  token_refresher(const token_refresher&) = delete;
  token_refresher& operator=(const token_refresher&) = delete;

  /// The grant's tokens, fresh: `done` runs once, on a worker (or at once
  /// when no refresh is due). With `refused_token` (an access token the
  /// provider answered 401 to), the tokens are refreshed unless they already
  /// changed since. Errors: reauth_required (details: grant_id, provider_id),
  /// token_refresh_in_progress, upstream_unreachable, credential_revoked.
  void fresh_tokens(const grant_record& grant, std::string refused_token,
                    tokens_callback done);

  /// The sweep: refreshes the grant if it is due within the buffer or was
  /// last refreshed before `refreshed_before`; `done` as above.
  void refresh_if_due(const std::string& grant_id, const std::string& refreshed_before,
                      tokens_callback done);

  const refresh_options& options() const noexcept {
    return options_;
  }
  refresh_counts counts() const noexcept;

private:
  struct pending;

  void start(const std::shared_ptr<pending>& p);
  void call_token_endpoint(const std::shared_ptr<pending>& p, oauth_token_record row);
  void wait_for_other(const std::shared_ptr<pending>& p);
  void finish(const std::shared_ptr<pending>& p,
              const caf::expected<oauth_token_record>& out);
  bool due(const oauth_token_record& row, const std::string& refused_token) const;
  void audit_refresh(const pending& p, audit_outcome outcome, const std::string& error,
                     const std::string& problem);

  backend_context& ctx_;
  net::io_runtime& io_;
  refresh_options options_;
  std::string owner_;
  std::mutex mtx_;
  /// Grant id -> the refresh under way in this process.
  std::unordered_map<std::string, std::shared_ptr<pending>> running_;
  std::atomic<int64_t> refreshed_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> reauth_required_{0};
  std::atomic<int64_t> waited_out_{0};
};

} // namespace alter::backend
