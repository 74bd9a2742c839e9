// The local identity provider's users: names an operator adds with a password
// (`alter-local users add`), checked at the sign-in page. Passwords are kept
// only as scrypt hashes (backend/identity/password_hash.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace alter::backend {

class store;

/// User names, and the account labels a person types on the Connect page:
/// 1-128 of letters, digits and @ . _ + -.
bool is_account_name(std::string_view text) noexcept;

/// Passwords are 8-1024 bytes when set; longer ones are refused at sign-in
/// without hashing.
constexpr std::size_t min_password_bytes = 8;
constexpr std::size_t max_password_bytes = 1024;

/// Adds user `name` with `password`, or changes its password. Throws
/// std::invalid_argument for a bad name or a password outside the bounds (the
/// message never holds the password).
void set_local_user_password(store& db, const std::string& name,
                             std::string_view password);

/// False when there was no such user.
bool remove_local_user(store& db, const std::string& name);

std::vector<std::string> list_local_users(store& db);

/// Whether `password` is `name`'s. An unknown name costs one hash all the same,
/// so the answer and its time do not tell whether the name exists.
bool check_local_user(store& db, std::string_view name, std::string_view password);

} // namespace alter::backend
