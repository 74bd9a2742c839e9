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
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "alter/actors/blocking_client.hpp"
#include "alter/actors/client_environment.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/exceptions.hpp"
#include "alter/messages/json_codec.hpp"

namespace {

int usage(const std::string& why = {}) {
  if (!why.empty())
    std::cerr << "alter: " << why << "\n\n";
  std::cerr << "usage (key in ALTER_API_KEY, backend in ALTER_BASE_URL, CA in "
               "ALTER_CA_FILE):\n"
               "  alter me | grants\n"
               "  alter request --grant ID --url URL [--method M] [--json BODY] "
               "[--reason R]\n"
               "  alter proxy --grant ID --url URL [--method M] [--json BODY] "
               "[--reason R] [--await SECONDS]\n"
               "  alter approval ID\n"
               "  alter await ID [--timeout SECONDS]\n"
               "  alter audit [--after CURSOR] [--limit N]\n"
               "  alter connect --providers ID[,ID...] [--timeout SECONDS]\n";
  return 2;
}

double seconds_of(const std::string& text, const char* flag) {
  char* end = nullptr;
  auto v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0))
    throw std::invalid_argument(std::string{flag} + " must be a positive number");
  return v;
}

alter::provider_call call_of(std::map<std::string, std::string>& flags) {
  alter::provider_call c;
  c.grant_id = flags["--grant"];
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

void print_result(const alter::proxy_result& r) {
  std::cout << alter::to_json(r) << "\n";
}

int run(const std::string& command, const std::string& argument,
        std::map<std::string, std::string>& flags) {
  auto options = alter::options_from_environment();
  if (options.api_key.empty())
    return usage("set ALTER_API_KEY to an Alter key");
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
    if (!flags.count("--providers"))
      return usage("connect needs --providers");
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
  } else {
    return usage("unknown command " + command);
  }
  client.close();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return usage();
  std::string command = argv[1];
  std::string argument;
  int first_flag = 2;
  if (command == "approval" || command == "await") {
    if (argc < 3)
      return usage(command + " needs an approval id");
    argument = argv[2];
    first_flag = 3;
  }
  std::map<std::string, std::string> flags;
  for (int i = first_flag; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc)
      return usage("expected --flag value pairs, got " + name);
    flags[name] = argv[++i];
  }
  try {
    return run(command, argument, flags);
  } catch (const alter::errors::AlterSDKError& e) {
    std::cerr << "alter: " << to_string(e.error()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    return usage(e.what());
  }
}
