#include "backend/oauth/grant_credential.hpp"

#include "backend/access/grant_access.hpp"
#include "backend/oauth/token_refresher.hpp"
#include "backend/routes/routes.hpp"

namespace alter::backend {

bool holds_oauth_tokens(const grant_record& g) noexcept {
  return g.grant_kind == grant_kind::oauth && g.managed_secret_id.empty();
}

void credential_for(backend_context& ctx, const grant_record& g,
                    std::string refused_token, credential_callback done) {
  if (!holds_oauth_tokens(g) || ctx.tokens == nullptr) {
    auto token = credential_of(ctx.db, g);
    if (token)
      token->scope_mismatch = lacks_required_scopes(ctx.db, g, token->scopes);
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
        t.scope_mismatch = lacks_required_scopes(ctx.db, g, row->scopes);
        done(std::move(t));
      });
}

} // namespace alter::backend
