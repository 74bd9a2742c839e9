#include "alter/backend/oauth/grant_credential.hpp"

#include "alter/backend/access/grant_access.hpp"
#include "alter/backend/oauth/token_refresher.hpp"
#include "alter/backend/routes/routes.hpp"

namespace alter::backend {

namespace {

void set_missing_scopes(store& db, const grant_record& g, token_response& t) {
  t.missing_scopes = missing_required_scopes(db, g, t.scopes);
  t.scope_mismatch = !t.missing_scopes.empty();
}

} // namespace

bool holds_oauth_tokens(const grant_record& g) noexcept {
  return g.grant_kind == grant_kind::oauth && g.managed_secret_id.empty();
}

void credential_for(backend_context& ctx, const grant_record& g,
                    std::string refused_token, credential_callback done) {
  if (!holds_oauth_tokens(g) || ctx.tokens == nullptr) {
    auto token = credential_of(ctx.db, g);
    if (token)
      set_missing_scopes(ctx.db, g, *token);
    return done(std::move(token));
  }
  ctx.tokens->fresh_tokens(
      g, std::move(refused_token),
      [&ctx, g, done = std::move(done)](caf::expected<oauth_token_record> row) {
        if (!row)
          return done(row.error());
        token_response t;
        t.access_token = std::move(row->access_token);
        t.token_type = "Bearer";
        t.injection_header = "Authorization";
        t.injection_format = "Bearer {token}";
        t.grant_id = g.id;
        t.provider_id = g.provider_id;
        t.scopes = row->scopes;
        t.expires_at = row->expires_at;
        set_missing_scopes(ctx.db, g, t);
        done(std::move(t));
      });
}

} // namespace alter::backend
