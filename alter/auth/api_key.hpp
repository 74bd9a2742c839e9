// Alter API keys: generation and the offline shape check `is_valid_key`.
//
// A scoped key is  alter_<type>_<body>_<check>: <type> is rk (app/runtime), ak (agent),
// dk (derived) or pk; <body> is 32 base62 characters from a CSPRNG; <check> is the
// CRC-32 of "alter_<type>_<body>" as 6 base62 digits, most significant first. Legacy
// keys ("alter_key_...") carry no checksum: after the prefix, 1-200 of base62, '_'
// and '-', so that no key can smuggle a byte into the header it travels in.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace alter {

enum class key_type { runtime, agent, derived, personal, legacy };

/// A fresh scoped key of the given type (not `legacy`, which is never minted).
std::string generate_key(key_type type);

/// True only for a syntactically valid key: never does I/O, never throws; false for
/// empty input. A usability gate against typos, not authentication.
bool is_valid_key(std::string_view key) noexcept;
/// The same for a C string; false for nullptr (a string_view of nullptr is undefined).
bool is_valid_key(const char* key) noexcept;

/// The type a valid key announces; nullopt for an invalid key.
std::optional<key_type> type_of_key(std::string_view key) noexcept;
std::optional<key_type> type_of_key(const char* key) noexcept;

/// The first characters of a key, safe to show in lists and audit rows.
std::string key_prefix(std::string_view key);

/// Length of a scoped key's random body.
constexpr std::size_t key_body_length = 32;

} // namespace alter
