// alter: the SDK from a shell. The key comes from the environment, never from the
// command line (where other users could read it in the process list).
//
//   ALTER_API_KEY=alter_ak_... [ALTER_BASE_URL=https://127.0.0.1:8443]
//   [ALTER_CA_FILE=alter-local.db.ca.pem] alter COMMAND [flags]
//
//   alter me
//   alter grants
//   alter request --grant ID --url URL [--method M] [--json BODY] [--reason R]
//   alter proxy   --grant ID --url URL [--method M] [--json BODY] [--reason R]
//                 [--await SECONDS]
//   alter approval ID
//   alter await ID [--timeout SECONDS]
//   alter audit [--after CURSOR] [--limit N]
//   alter connect --providers ID[,ID...] [--timeout SECONDS]
//
// `connect` writes the consent URL to stderr for a person to open, waits until
// they decided, and prints the grants made.
//
// Prints JSON on stdout; an error prints its class, code and message on stderr
// and exits 1; bad usage exits 2.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "alter/actors/blocking_client.hpp"
#include "alter/actors/client_environment.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/exceptions.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/utf8.hpp"
#include "tools/cli/command_line.hpp"

namespace {

double seconds_of(const std::string& text, const char* flag) {
  char* end = nullptr;
  auto v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0))
    throw std::invalid_argument(std::string{flag} + " must be a positive number");
  return v;
}

alter::provider_call call_of(alter::tools::flag_map& flags) {
  alter::provider_call c;
  c.grant_id = flags["--grant"];
  c.provider = flags["--provider"];
  c.account = flags["--account"];
  c.url = flags["--url"];
  if (flags.count("--method"))
    c.method = flags["--method"];
  c.json = flags["--json"];
  c.reason = flags["--reason"];
  return c;
}

std::vector<std::string> ids_of(const std::string& text, const char* flag) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= text.size()) {
    auto comma = std::min(text.find(',', from), text.size());
    if (comma == from)
      throw std::invalid_argument(std::string{flag} + " must be ID[,ID...]");
    out.push_back(text.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

/// What the provider answered (ApprovalResult), its body decoded as `alter
/// request` prints it; a body that is not UTF-8 stays base64 in body_b64.
void print_result(const alter::proxy_result& r) {
  auto out = boost::json::parse(alter::to_json(r)).as_object();
  auto body = r.body_bytes();
  if (alter::is_valid_utf8(body)) {
    out.erase("body_b64");
    out["body"] = body;
  }
  std::cout << boost::json::serialize(out) << "\n";
}

int run(const CLI::App& app, const std::string& command, const std::string& argument,
        alter::tools::flag_map& flags) {
  auto options = alter::options_from_environment();
  if (options.api_key.empty())
    return alter::tools::usage_error(app, "set ALTER_API_KEY to an Alter key");
  // An App client serves both key kinds for these commands; `me` needs an Agent.
  if (command == "me") {
    alter::blocking::Agent agent{options};
    std::cout << alter::to_json(agent.me()) << "\n";
    return 0;
  }
  alter::blocking::App client{options};
  if (command == "grants") {
    std::cout << alter::to_json(client.list_grants()) << "\n";
  } else if (command == "request") {
    auto res = client.request(call_of(flags));
    std::cout << "{\"status\":" << res.status
              << ",\"body\":" << boost::json::serialize(boost::json::value(res.body))
              << "}\n";
  } else if (command == "proxy") {
    auto out = client.proxy_request(call_of(flags));
    if (!out.pending) {
      print_result(out.result);
    } else if (flags.count("--await")) {
      std::cerr << "alter: waiting for approval at " << out.approval.approval_url
                << "\n";
      print_result(client.await_approval(out.approval.approval_id,
                                         seconds_of(flags["--await"], "--await")));
    } else {
      std::cout << alter::to_json(out.approval) << "\n";
    }
  } else if (command == "approval") {
    std::cout << alter::to_json(client.get_approval_status(argument)) << "\n";
  } else if (command == "await") {
    auto timeout = flags.count("--timeout")
                       ? seconds_of(flags["--timeout"], "--timeout")
                       : 300.0;
    print_result(client.await_approval(argument, timeout));
  } else if (command == "audit") {
    alter::audit_query q;
    q.after = flags["--after"];
    if (flags.count("--limit")) {
      char* end = nullptr;
      const auto& text = flags["--limit"];
      auto n = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || n < 1 || n > 1000)
        throw std::invalid_argument("--limit must be a number from 1 to 1000");
      q.limit = n;
    }
    std::cout << alter::to_json(client.query_audit(q)) << "\n";
  } else if (command == "connect") {
    alter::connect_options o;
    o.providers = ids_of(flags["--providers"], "--providers");
    if (flags.count("--timeout"))
      o.timeout = seconds_of(flags["--timeout"], "--timeout");
    // A shell has no desktop to open: the person opens the URL themselves.
    o.open_browser = false;
    auto results = client.connect(o, [](const std::string& url) {
      std::cerr << "alter: open this URL to connect: " << url << std::endl;
    });
    // connect() returns only a completed session; its status model carries the
    // results with the codec every model has.
    std::cout << alter::to_json(alter::connect_status{"completed", results}) << "\n";
  }
  client.close();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  using namespace alter::tools;
  auto app = program("alter", "alter: the SDK from a shell. The key comes from "
                              "ALTER_API_KEY (never the command line), the backend "
                              "from ALTER_BASE_URL, its CA from ALTER_CA_FILE. "
                              "Prints JSON on stdout; an error prints its class, "
                              "code and message on stderr and exits 1; bad usage "
                              "exits 2.");
  flag_map flags;
  std::string argument;
  app->add_subcommand("me", "The agent this key belongs to");
  app->add_subcommand("grants", "The grants this key may use");
  auto call_flags = [&](CLI::App* cmd) {
    auto* grant
        = value_flag(*cmd, flags, "--grant", "The grant whose credential is used");
    auto* provider = value_flag(*cmd, flags, "--provider",
                                "Or the provider: the caller's one grant there");
    grant->excludes(provider);
    value_flag(*cmd, flags, "--account", "With --provider: which account");
    value_flag(*cmd, flags, "--url", "The provider URL to call")->required();
    value_flag(*cmd, flags, "--method", "HTTP method (GET)");
    value_flag(*cmd, flags, "--json", "A JSON body");
    value_flag(*cmd, flags, "--reason", "Why, for the audit trail and approvers");
    return cmd;
  };
  call_flags(app->add_subcommand(
      "request", "Retrieve mode: take the credential and call the provider"));
  auto* proxy = call_flags(app->add_subcommand(
      "proxy", "Proxy mode: the backend calls the provider (approvals possible)"));
  value_flag(*proxy, flags, "--await",
             "Seconds to wait for an approval; the approval URL goes to stderr");
  auto* approval = app->add_subcommand("approval", "The state of a held call");
  approval->add_option("id", argument, "The approval id (apr_...)")->required();
  auto* await = app->add_subcommand("await", "Wait for a held call's result");
  await->add_option("id", argument, "The approval id (apr_...)")->required();
  value_flag(*await, flags, "--timeout", "Seconds (300)");
  auto* audit = app->add_subcommand("audit", "The audit trail, oldest first");
  value_flag(*audit, flags, "--after", "A next_cursor or created_at to start after");
  value_flag(*audit, flags, "--limit", "Rows, 1 to 1000 (100)");
  auto* connect = app->add_subcommand(
      "connect", "Connect providers: a consent URL on stderr for a person to open");
  value_flag(*connect, flags, "--providers", "ID[,ID...]")->required();
  value_flag(*connect, flags, "--timeout", "Seconds to wait for the person");
  if (auto code = parse(*app, argc, argv))
    return *code;
  const auto* chosen = app->get_subcommands().front();
  try {
    return run(*chosen, chosen->get_name(), argument, flags);
  } catch (const alter::errors::AlterSDKError& e) {
    std::cerr << "alter: " << to_string(e.error()) << "\n";
    if (e.error().code == alter::error_code::hitl_grant_requires_proxy)
      std::cerr << "alter: this grant's calls may need an approval: use `alter proxy` "
                   "(add --await SECONDS to wait for it)\n";
    return 1;
  } catch (const std::exception& e) {
    return usage_error(*chosen, e.what());
  }
}
