#include "alter/backend/oauth/token_refresher.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/api/handler_failure.hpp"
#include "alter/backend/api/request_executor.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/oauth/token_endpoint.hpp"
#include "alter/backend/routes/routes.hpp"
#include "alter/backend/store/process_identity.hpp"
#include "alter/messages/alter_error.hpp"
#include "alter/net/io_runtime.hpp"

namespace alter::backend {

/// One refresh of one grant in this process and the callers that joined it.
struct token_refresher::pending {
  std::string grant_id;
  std::string app_id;
  std::string provider_id;
  std::string refused_token;
  bool force = false;
  std::chrono::steady_clock::time_point deadline;
  std::vector<tokens_callback> callers;
  std::unique_ptr<boost::asio::steady_timer> timer;
};

namespace {

caf::error reauth_error(const std::string& grant_id, const std::string& provider_id) {
  boost::json::object details{{"grant_id", grant_id}, {"provider_id", provider_id}};
  return to_caf_error(make_error(error_code::reauth_required,
                                 "the provider no longer accepts this grant's "
                                 "authorization: the user must connect again",
                                 boost::json::serialize(details)));
}

std::string iso_after(std::chrono::seconds s) {
  return now_iso8601(s);
}

} // namespace

token_refresher::token_refresher(backend_context& ctx, net::io_runtime& io,
                                 refresh_options options)
    : ctx_(ctx), io_(io), options_(options),
      owner_(this_process() + ":" + crypto::random_hex(4)) {
}

token_refresher::~token_refresher() = default;

refresh_counts token_refresher::counts() const noexcept {
  return {refreshed_.load(), failed_.load(), reauth_required_.load(),
          waited_out_.load()};
}

bool token_refresher::due(const oauth_token_record& row,
                          const std::string& refused_token) const {
  // A refused token is refreshed; so is its replacement if that is due too.
  if (!refused_token.empty()
      && crypto::constant_time_equals(row.access_token, refused_token))
    return true;
  return row.expires_at <= iso_after(options_.buffer);
}

void token_refresher::fresh_tokens(const grant_record& grant, std::string refused_token,
                                   tokens_callback done) {
  auto row = ctx_.db.oauth().find_tokens(grant.id);
  if (!row)
    return done(to_caf_error(error_code::credential_revoked,
                             "the grant holds no OAuth tokens"));
  if (row->state == oauth_token_state::reauth_required)
    return done(reauth_error(grant.id, grant.provider_id));
  if (!due(*row, refused_token))
    return done(std::move(*row));
  // Without a refresh token only a new consent helps, once the token is dead.
  if (row->refresh_token.empty()) {
    if (row->expires_at > now_iso8601() && refused_token.empty())
      return done(std::move(*row));
    return done(reauth_error(grant.id, grant.provider_id));
  }
  auto p = std::make_shared<pending>();
  p->grant_id = grant.id;
  p->app_id = grant.app_id;
  p->provider_id = grant.provider_id;
  p->refused_token = std::move(refused_token);
  p->callers.push_back(std::move(done));
  {
    std::lock_guard guard{mtx_};
    auto [i, fresh] = running_.emplace(grant.id, p);
    if (!fresh) {
      // A refresh of this grant is under way here: its outcome is ours too.
      i->second->callers.push_back(std::move(p->callers.back()));
      return;
    }
  }
  p->deadline = std::chrono::steady_clock::now() + options_.max_wait;
  start(p);
}

void token_refresher::refresh_if_due(const std::string& grant_id,
                                     const std::string& refreshed_before,
                                     tokens_callback done) {
  auto grant = ctx_.db.grants().find(grant_id);
  if (!grant)
    return done(to_caf_error(error_code::grant_not_found, "no grant with that id"));
  // A grant revoked or expired since the sweep read it gets no new tokens.
  if (auto usable = check_grant_state(*grant); !usable)
    return done(usable.error());
  auto row = ctx_.db.oauth().find_tokens(grant_id);
  // Long unrefreshed: refresh the token in the row now (unless a call
  // replaces it first); otherwise only when it is due.
  auto idle = row && row->refreshed_at < refreshed_before;
  fresh_tokens(*grant, idle ? row->access_token : std::string{}, std::move(done));
}

void token_refresher::start(const std::shared_ptr<pending>& p) {
  try {
    auto now = now_iso8601();
    if (!ctx_.db.oauth().take_lease(p->grant_id, owner_, now,
                                    iso_after(options_.lease)))
      return wait_for_other(p);
    // Another instance may have refreshed between our read and the lease.
    auto row = ctx_.db.oauth().find_tokens(p->grant_id);
    if (!row || row->state != oauth_token_state::valid
        || !due(*row, p->refused_token)) {
      ctx_.db.oauth().release_lease(p->grant_id, owner_);
      if (!row)
        return finish(p, to_caf_error(error_code::credential_revoked,
                                      "the grant holds no OAuth tokens"));
      if (row->state != oauth_token_state::valid)
        return finish(p, reauth_error(p->grant_id, p->provider_id));
      return finish(p, std::move(*row));
    }
    call_token_endpoint(p, std::move(*row));
  } catch (const std::exception&) {
    finish(p, to_caf_error(error_of_current_exception()));
  }
}

void token_refresher::call_token_endpoint(const std::shared_ptr<pending>& p,
                                          oauth_token_record row) {
  auto provider = ctx_.db.grants().find_provider(p->provider_id);
  if (!provider || !provider->is_oauth()) {
    ctx_.db.oauth().release_lease(p->grant_id, owner_);
    return finish(p, to_caf_error(error_code::credential_revoked,
                                  "the grant's provider has no OAuth server"));
  }
  field_list form{{"grant_type", "refresh_token"},
                  {"refresh_token", row.refresh_token}};
  auto* workers = ctx_.workers;
  auto on_answer = [this, p, row = std::move(row)](token_answer answer) mutable {
    try {
      if (answer.outcome == token_outcome::granted) {
        oauth_token_record next = row;
        next.access_token = std::move(answer.access_token);
        if (!answer.refresh_token.empty())
          next.refresh_token = std::move(answer.refresh_token);
        next.expires_at = iso_after(answer.expires_in);
        if (!answer.scopes.empty())
          next.scopes = std::move(answer.scopes);
        next.refreshed_at = now_iso8601();
        next.generation = row.generation + 1;
        next.lease_owner.clear();
        next.lease_until.clear();
        if (!ctx_.db.oauth().store_refreshed(next, owner_)) {
          // The lease ran out while the server answered; whoever took it
          // over refreshes (our new refresh token may already be dead).
          failed_.fetch_add(1);
          audit_refresh(*p, audit_outcome::error, "token_refresh_in_progress",
                        "the refresh lease ran out before the answer");
          return wait_for_other(p);
        }
        refreshed_.fetch_add(1);
        audit_refresh(*p, audit_outcome::success, {}, {});
        return finish(p, std::move(next));
      }
      if (answer.outcome == token_outcome::invalid_grant) {
        if (!ctx_.db.oauth().mark_reauth_required(p->grant_id, owner_)) {
          // The lease was lost meanwhile (a new consent, another instance):
          // whatever the row holds now is the answer.
          failed_.fetch_add(1);
          audit_refresh(*p, audit_outcome::error, "token_refresh_in_progress",
                        "the refresh lease ran out before the answer");
          return wait_for_other(p);
        }
        reauth_required_.fetch_add(1);
        audit_refresh(*p, audit_outcome::error, "reauth_required", answer.problem);
        return finish(p, reauth_error(p->grant_id, p->provider_id));
      }
      ctx_.db.oauth().release_lease(p->grant_id, owner_);
      failed_.fetch_add(1);
      audit_refresh(*p, audit_outcome::error, "upstream_unreachable", answer.problem);
      finish(p, to_caf_error(error_code::upstream_unreachable,
                             "the provider's authorization server did not refresh "
                             "the token: "
                                 + answer.problem));
    } catch (const std::exception&) {
      finish(p, to_caf_error(error_of_current_exception()));
    }
  };
  request_tokens(ctx_.upstream, *provider, std::move(form), options_.timeout,
                 [workers, on_answer = std::move(on_answer)](token_answer a) mutable {
                   // The answer arrives on an I/O thread; the store is a
                   // worker's job.
                   if (workers == nullptr)
                     return on_answer(std::move(a));
                   workers->post(
                       [on_answer = std::move(on_answer), a = std::move(a)]() mutable {
                         on_answer(std::move(a));
                       });
                 });
}

void token_refresher::wait_for_other(const std::shared_ptr<pending>& p) {
  if (std::chrono::steady_clock::now() >= p->deadline) {
    waited_out_.fetch_add(1);
    auto e = make_error(error_code::token_refresh_in_progress,
                        "another request is refreshing this grant's token");
    e.retry_after_ms = 1000;
    return finish(p, to_caf_error(std::move(e)));
  }
  if (!p->timer)
    p->timer = std::make_unique<boost::asio::steady_timer>(
        boost::asio::make_strand(io_.context()));
  p->timer->expires_after(options_.poll);
  auto* workers = ctx_.workers;
  p->timer->async_wait([this, p, workers](const boost::system::error_code& ec) {
    if (ec)
      return finish(p, to_caf_error(error_code::token_refresh_in_progress,
                                    "the backend is stopping"));
    auto again = [this, p] {
      try {
        auto row = ctx_.db.oauth().find_tokens(p->grant_id);
        if (!row)
          return finish(p, to_caf_error(error_code::credential_revoked,
                                        "the grant holds no OAuth tokens"));
        if (row->state != oauth_token_state::valid)
          return finish(p, reauth_error(p->grant_id, p->provider_id));
        if (!due(*row, p->refused_token))
          return finish(p, std::move(*row));
        start(p);
      } catch (const std::exception&) {
        finish(p, to_caf_error(error_of_current_exception()));
      }
    };
    if (workers == nullptr)
      return again();
    workers->post(again);
  });
}

void token_refresher::finish(const std::shared_ptr<pending>& p,
                             const caf::expected<oauth_token_record>& out) {
  std::vector<tokens_callback> callers;
  {
    std::lock_guard guard{mtx_};
    auto i = running_.find(p->grant_id);
    if (i != running_.end() && i->second == p)
      running_.erase(i);
    callers.swap(p->callers);
  }
  for (auto& done : callers) {
    try {
      done(out);
    } catch (const std::exception&) {
      // One caller's failure is its own; the others still get their answer.
    }
  }
}

void token_refresher::audit_refresh(const pending& p, audit_outcome outcome,
                                    const std::string& error,
                                    const std::string& problem) {
  audit_record row;
  row.created_at = now_iso8601();
  row.request_id = "refresh-" + crypto::random_hex(8);
  row.action = "token.refreshed";
  row.outcome = outcome;
  row.app_id = p.app_id;
  row.grant_id = p.grant_id;
  row.provider_id = p.provider_id;
  row.grant_kind = "oauth";
  row.caller_type = "backend";
  row.status_code = outcome == audit_outcome::success ? 200 : 0;
  row.error_code = error;
  row.reason = problem;
  write_audit(ctx_.db, row);
}

} // namespace alter::backend
