// The one command-line parser of the programs (alter, alter-local,
// alter-swarm): Debian's CLI11. Options land in a flag map ("--name" ->
// value) that each command reads and checks as before; what the parser adds
// is the same behaviour in every program: -h/--help prints help and exits 0,
// --version prints the version and exits 0, an unknown or misspelt flag, a
// flag given twice, a missing value or a stray argument is an error (exit 2,
// with a pointer to --help), and environment variables are the documented
// fallbacks of their flags.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace alter::tools {

using flag_map = std::map<std::string, std::string>;

/// A program named `name`: its help starts with `description` and it takes
/// --version.
std::unique_ptr<CLI::App> program(const std::string& name,
                                  const std::string& description);

/// An option with a value: flags["--x"] = value, where "--x" is the first
/// long name of `names` ("--db,--database").
CLI::Option* value_flag(CLI::App& cmd, flag_map& flags, const std::string& names,
                        const std::string& help);

/// A flag without a value: flags["--x"] = "1".
CLI::Option* switch_flag(CLI::App& cmd, flag_map& flags, const std::string& names,
                         const std::string& help);

/// Parses `argv`: nullopt to go on, else the code to exit with now (0 after
/// --help or --version, 2 after a usage error, said on stderr, and when a
/// program of commands got none). Without any argument it prints the help on
/// stderr and exits 2: a program never starts work nobody asked for.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

/// A usage error found after parsing (a value out of range): said on stderr
/// as the parser says its own; returns 2.
int usage_error(const CLI::App& app, const std::string& why);

} // namespace alter::tools
