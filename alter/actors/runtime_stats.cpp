#include "alter/actors/runtime_stats.hpp"

#include <sstream>

#include "caf/actor_system.hpp"
#include "caf/scoped_actor.hpp"

#include "alter/messages/alter_error.hpp"
#include "alter/messages/prometheus_text.hpp"

namespace alter {

namespace {

template <class Rows, class Value>
void series(std::ostream& out, std::string_view name, std::string_view kind,
            std::string_view help, const Rows& rows, Value value) {
  prometheus_series_header(out, name, kind, help);
  for (const auto& row : rows)
    out << name << "{origin=\"" << prometheus_label_value(row.origin) << "\"} "
        << value(row) << "\n";
}

} // namespace

caf::expected<runtime_stats> collect_runtime_stats(caf::actor_system& sys,
                                                   const client_context& ctx,
                                                   std::chrono::milliseconds timeout) {
  runtime_stats out;
  caf::scoped_actor self{sys};
  caf::error failed;
  self->request(ctx.transport, timeout, pool_states_atom_v)
      .receive(
          [&](std::vector<net::pool_state>& pools) { out.pools = std::move(pools); },
          [&](caf::error& e) { failed = std::move(e); });
  if (failed)
    return to_caf_error(error_code::timeout,
                        "the transport did not report its pools in time");
  out.retry_budgets = ctx.budgets->states();
  return out;
}

std::string prometheus_text(const runtime_stats& s) {
  std::ostringstream out;
  using pool = net::pool_state;
  using budget = net::retry_budget_state;
  series(out, "alter_sdk_pool_in_flight", "gauge", "Exchanges on a connection now.",
         s.pools, [](const pool& p) { return p.stats.in_flight; });
  series(out, "alter_sdk_pool_queued", "gauge", "Calls waiting for a connection.",
         s.pools, [](const pool& p) { return p.stats.queued; });
  series(out, "alter_sdk_pool_idle", "gauge", "Connections kept for reuse.", s.pools,
         [](const pool& p) { return p.stats.idle; });
  series(out, "alter_sdk_pool_max_connections", "gauge",
         "Exchanges the pool runs at once at most.", s.pools,
         [](const pool& p) { return p.stats.max_connections; });
  series(out, "alter_sdk_pool_max_queue", "gauge",
         "Calls that may wait; beyond, a call fails at once (overloaded).", s.pools,
         [](const pool& p) { return p.stats.max_queue; });
  series(out, "alter_sdk_pool_connections_opened_total", "counter",
         "Connections opened.", s.pools, [](const pool& p) { return p.stats.opened; });
  series(out, "alter_sdk_pool_tls_resumed_total", "counter",
         "TLS handshakes that resumed a session.", s.pools,
         [](const pool& p) { return p.stats.tls_resumed; });
  series(out, "alter_sdk_pool_reconnect_backoff_seconds", "gauge",
         "Time left of a reconnect backoff (0: none).", s.pools, [](const pool& p) {
           return static_cast<double>(p.stats.reconnect_backoff_ms) / 1000;
         });
  series(out, "alter_sdk_retry_budget_tokens", "gauge",
         "Tokens left in the retry budget of a backend origin.", s.retry_budgets,
         [](const budget& b) { return b.tokens; });
  series(out, "alter_sdk_retry_budget_capacity", "gauge", "The retry budget's size.",
         s.retry_budgets, [](const budget& b) { return b.capacity; });
  series(out, "alter_sdk_retries_denied_total", "counter",
         "Retries refused for want of tokens.", s.retry_budgets,
         [](const budget& b) { return b.denied; });
  return out.str();
}

} // namespace alter
