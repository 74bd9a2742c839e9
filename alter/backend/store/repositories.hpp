// The repositories of one database, as a store hands them out: autocommit
// (each call its own statement) or bound to a transaction. Code that works in
// either takes a `repositories&`.
#pragma once

#include "alter/backend/store/accounts_repository.hpp"
#include "alter/backend/store/approvals_repository.hpp"
#include "alter/backend/store/audit_repository.hpp"
#include "alter/backend/store/grants_repository.hpp"
#include "alter/backend/store/idempotency_repository.hpp"
#include "alter/backend/store/local_users_repository.hpp"
#include "alter/backend/store/oauth_repository.hpp"
#include "alter/backend/store/rules_repository.hpp"
#include "alter/backend/store/secrets_repository.hpp"
#include "alter/backend/store/sessions_repository.hpp"
#include "alter/backend/store/settings_repository.hpp"

namespace alter::backend {

class repositories {
public:
  virtual ~repositories() = default;

  virtual accounts_repository& accounts() = 0;
  virtual grants_repository& grants() = 0;
  virtual secrets_repository& secrets() = 0;
  virtual audit_repository& audit() = 0;
  virtual rules_repository& rules() = 0;
  virtual approvals_repository& approvals() = 0;
  virtual sessions_repository& sessions() = 0;
  virtual idempotency_repository& idempotency() = 0;
  virtual settings_repository& settings() = 0;
  virtual local_users_repository& local_users() = 0;
  virtual oauth_repository& oauth() = 0;
};

} // namespace alter::backend
