// The tokens of OAuth grants and the authorization requests under way
// (docs/protocol.md, "OAuth grants"). The refresh lease lives in the row, so
// that one caller refreshes a grant at a time across every instance sharing
// the database; a lease whose holder died runs out by itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alter/backend/store/records.hpp"

namespace alter::backend {

class oauth_repository {
public:
  virtual ~oauth_repository() = default;

  /// Inserts a grant's tokens, or replaces them (a new consent for the grant):
  /// the state becomes valid and any lease ends.
  virtual void put_tokens(const oauth_token_record& x) = 0;
  virtual std::optional<oauth_token_record> find_tokens(std::string_view grant_id) = 0;

  /// Takes the refresh lease of a grant until `until` when nobody holds one
  /// that lasts beyond `now`. False: someone else is refreshing.
  virtual bool take_lease(std::string_view grant_id, std::string_view owner,
                          std::string_view now, std::string_view until)
      = 0;
  /// Stores refreshed tokens and ends the lease, if `owner` still holds it and
  /// the row is still at `x.generation - 1`. False: the lease was lost.
  virtual bool store_refreshed(const oauth_token_record& x, std::string_view owner) = 0;
  /// Marks the grant's tokens reauth_required and ends the lease, if `owner`
  /// holds it.
  virtual bool mark_reauth_required(std::string_view grant_id, std::string_view owner)
      = 0;
  /// Ends the lease without a change (the refresh failed for a passing reason).
  virtual void release_lease(std::string_view grant_id, std::string_view owner) = 0;
  /// Valid tokens of grants still usable at `now` (active, not expired) whose
  /// access token expires before `expiring_before` or that were last refreshed
  /// before `refreshed_before`, at most `limit`: a revoked grant's tokens are
  /// never refreshed again.
  virtual std::vector<std::string>
  due_for_refresh(std::string_view now, std::string_view expiring_before,
                  std::string_view refreshed_before, int64_t limit)
      = 0;

  virtual void insert_flow(const oauth_flow_record& x) = 0;
  /// The flow of a state hash, deleted as it is read: a callback is served once.
  virtual std::optional<oauth_flow_record> take_flow(std::string_view state_hash) = 0;
  /// Deletes flows that expired before `now`.
  virtual void prune_flows(std::string_view now) = 0;
};

} // namespace alter::backend
