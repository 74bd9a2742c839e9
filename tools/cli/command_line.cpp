#include "tools/cli/command_line.hpp"

#include <iostream>

#include "alter/version.hpp"

namespace alter::tools {

namespace {

/// "--db" of "--db,--database" (or of "-d,--db").
std::string key_of(const std::string& names) {
  std::size_t from = 0;
  while (from < names.size()) {
    auto comma = names.find(',', from);
    auto name = names.substr(from, comma == std::string::npos ? std::string::npos
                                                              : comma - from);
    if (name.rfind("--", 0) == 0)
      return name;
    if (comma == std::string::npos)
      break;
    from = comma + 1;
  }
  return names;
}

const CLI::App& root_of(const CLI::App& app) {
  const auto* at = &app;
  while (at->get_parent() != nullptr)
    at = at->get_parent();
  return *at;
}

} // namespace

std::unique_ptr<CLI::App> program(const std::string& name,
                                  const std::string& description) {
  auto app = std::make_unique<CLI::App>(description, name);
  app->set_version_flag("--version", name + " " + std::string{alter::version()});
  app->set_help_all_flag("--help-all", "Print help for every command, and exit");
  return app;
}

CLI::Option* value_flag(CLI::App& cmd, flag_map& flags, const std::string& names,
                        const std::string& help) {
  auto key = key_of(names);
  return cmd.add_option_function<std::string>(
      names, [&flags, key](const std::string& value) { flags[key] = value; }, help);
}

CLI::Option* switch_flag(CLI::App& cmd, flag_map& flags, const std::string& names,
                         const std::string& help) {
  auto key = key_of(names);
  return cmd.add_flag_function(
      names, [&flags, key](std::int64_t) { flags[key] = "1"; }, help);
}

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  if (argc < 2) {
    std::cerr << app.help();
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e); // help on stdout, 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\nRun with --help for more.\n";
    return 2;
  }
  // A command (and an action of a command that has them) is checked here
  // rather than by CLI11, which would say so before naming an unknown flag,
  // and without naming the choices.
  for (const CLI::App* at = &app;;) {
    auto all = at->get_subcommands([](const CLI::App*) { return true; });
    if (all.empty())
      return std::nullopt;
    auto chosen = at->get_subcommands();
    if (chosen.empty()) {
      std::string names;
      for (const auto* c : all)
        names += (names.empty() ? "" : ", ") + c->get_name();
      auto what = at->get_parent() == nullptr ? std::string{"give a command: "}
                                              : at->get_name() + " needs one of: ";
      return usage_error(app, what + names);
    }
    at = chosen.front();
  }
}

int usage_error(const CLI::App& app, const std::string& why) {
  std::cerr << root_of(app).get_name() << ": " << why
            << "\nRun with --help for more.\n";
  return 2;
}

} // namespace alter::tools
