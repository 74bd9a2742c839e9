#include "alter/backend/oauth/refresh_sweep.hpp"

#include "alter/backend/oauth/token_refresher.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

void sweep_once(store& db, token_refresher& tokens, const sweep_options& o) {
  auto now = now_iso8601();
  db.oauth().prune_flows(now);
  auto stale = std::chrono::duration_cast<std::chrono::seconds>(o.refresh_unused_after);
  auto refreshed_before = now_iso8601(-stale);
  auto due = db.oauth().due_for_refresh(now, now_iso8601(tokens.options().buffer),
                                        refreshed_before, o.batch);
  for (const auto& grant_id : due)
    // Each refresh takes the grant's lease: a call or another instance
    // refreshing it at the same time is joined, never doubled.
    tokens.refresh_if_due(grant_id, refreshed_before,
                          [](const caf::expected<oauth_token_record>&) {});
}

} // namespace

refresh_sweep::refresh_sweep(store& db, token_refresher& tokens, net::io_runtime& io,
                             request_executor& workers, sweep_options options)
    : rounds_(io, workers, options.interval,
              [&db, &tokens, options] { sweep_once(db, tokens, options); }) {
}

} // namespace alter::backend
