// The route table is the source of truth for the endpoint list: docs/protocol.md
// section 7 (rows marked served) and docs/openapi.yaml must list exactly its
// routes, and every scope comes from the one scope table.
#define CAF_SUITE route_table
#include "caf/test/unit_test.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "alter/auth/scope.hpp"
#include "alter/auth/scope_table.hpp"
#include "alter/backend/api/health_probes.hpp"
#include "alter/backend/api/request_metrics.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/local_backend.hpp"

using namespace alter;
using namespace alter::backend;

namespace {

/// method, path with every {name} as {} (the doc may name parameters more
/// descriptively than the code), scope ("" for none).
using endpoint = std::tuple<std::string, std::string, std::string>;

std::string normalised(std::string path) {
  path = path.substr(0, path.find('?'));
  return std::regex_replace(path, std::regex{R"(\{[^}/]*\})"}, "{}");
}

std::set<endpoint> served_routes(bool with_scope) {
  backend_options opts;
  opts.tls = false;
  opts.simulated_providers = false;
  local_backend backend{opts};
  std::set<endpoint> out;
  for (const auto& r : backend.route_table())
    out.emplace(std::string{r.method}, normalised(std::string{r.pattern}),
                with_scope ? std::string{r.scope} : std::string{});
  // Answered before the router, without a key (health_probes.hpp,
  // request_metrics.hpp).
  for (auto probe :
       {backend::liveness_path, backend::readiness_path, backend::metrics_path})
    out.emplace("GET", std::string{probe}, std::string{});
  return out;
}

std::string read_file(const char* path) {
  std::ifstream in{path};
  CAF_REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The cells of a markdown table row (escaped pipes stay in their cell).
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|' && line[i - 1] != '\\') {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return out;
}

/// Section 7's rows with state served: each `METHOD /path` of the second
/// column, with the first `resource:verb` of the third as its scope.
std::set<endpoint> documented_routes() {
  std::istringstream in{read_file(ALTER_SOURCE_DIR "/docs/protocol.md")};
  std::regex endpoint_re{R"(`(GET|POST|PUT|PATCH|DELETE) (/[^` ]*)`)"};
  std::regex scope_re{R"(`([a-z_]+:[a-z_]+)`)"};
  std::set<endpoint> out;
  bool in_endpoints = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0)
      in_endpoints = line.rfind("## 7.", 0) == 0;
    if (!in_endpoints || line.rfind("| served |", 0) != 0)
      continue;
    auto cells = cells_of(line);
    CAF_REQUIRE_GREATER(cells.size(), 2u);
    std::smatch scope;
    auto scope_name
        = std::regex_search(cells[2], scope, scope_re) ? scope[1].str() : std::string{};
    auto& text = cells[1];
    for (std::sregex_iterator it{text.begin(), text.end(), endpoint_re}, end; it != end;
         ++it)
      out.emplace((*it)[1].str(), normalised((*it)[2].str()), scope_name);
  }
  return out;
}

/// docs/openapi.yaml's operations: a path is a line "  /...:" under "paths:", an
/// operation a line "    get:" (the file keeps this layout; see its header).
std::set<endpoint> openapi_operations() {
  std::istringstream in{read_file(ALTER_SOURCE_DIR "/docs/openapi.yaml")};
  std::regex path_re{R"(^  (/[^:]*):\s*$)"};
  std::regex op_re{R"(^    (get|post|put|patch|delete):\s*$)"};
  std::set<endpoint> out;
  bool in_paths = false;
  std::string path;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#')
      in_paths = line.rfind("paths:", 0) == 0;
    if (!in_paths)
      continue;
    std::smatch m;
    if (std::regex_match(line, m, path_re)) {
      path = normalised(m[1].str());
    } else if (std::regex_match(line, m, op_re)) {
      auto method = m[1].str();
      for (auto& c : method)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.emplace(method, path, std::string{});
    }
  }
  return out;
}

std::string text_of(const endpoint& e) {
  const auto& [method, path, scope] = e;
  return method + " " + path + (scope.empty() ? "" : " (" + scope + ")");
}

/// Checks both directions and prints every difference.
void check_equal(const std::set<endpoint>& code, const std::set<endpoint>& doc,
                 const char* doc_name) {
  std::string missing_in_doc;
  std::string missing_in_code;
  for (const auto& e : code)
    if (!doc.count(e))
      missing_in_doc += "\n  " + text_of(e);
  for (const auto& e : doc)
    if (!code.count(e))
      missing_in_code += "\n  " + text_of(e);
  if (!missing_in_doc.empty())
    CAF_MESSAGE(doc_name << " lacks routes of the router:" << missing_in_doc);
  if (!missing_in_code.empty())
    CAF_MESSAGE(doc_name << " lists what the router does not serve:"
                         << missing_in_code);
  CAF_CHECK(missing_in_doc.empty());
  CAF_CHECK(missing_in_code.empty());
}

} // namespace

CAF_TEST(protocol section 7 lists exactly the routes of the router) {
  auto code = served_routes(true);
  auto doc = documented_routes();
  CAF_CHECK_GREATER(code.size(), 40u);
  check_equal(code, doc, "docs/protocol.md section 7");
}

CAF_TEST(the openapi document has exactly the operations of the router) {
  // The pages are HTML for browsers, not part of the API document.
  std::set<endpoint> code;
  for (const auto& e : served_routes(false))
    if (std::get<1>(e).rfind("/v1/", 0) == 0
        || std::get<1>(e).rfind("/.well-known/", 0) == 0)
      code.insert(e);
  check_equal(code, openapi_operations(), "docs/openapi.yaml");
}

CAF_TEST(every named scope and every default is in the scope table) {
  for (auto name :
       {scopes::tokens_retrieve, scopes::proxy_execute, scopes::connect_initiate,
        scopes::keys_derive, scopes::audit_emit, scopes::grants_read,
        scopes::grants_write, scopes::agents_read, scopes::agents_write,
        scopes::agents_admin, scopes::keys_admin, scopes::audit_logs_read,
        scopes::policies_read, scopes::policies_write}) {
    CAF_MESSAGE(name);
    CAF_CHECK(is_catalogued_scope(name));
  }
  for (auto holder : {key_holder::app, key_holder::agent})
    for (const auto& s : default_scopes(holder)) {
      CAF_MESSAGE(s);
      CAF_CHECK(is_catalogued_scope(s));
    }
  CAF_CHECK(!is_catalogued_scope("policies:execute"));
  CAF_CHECK(!is_catalogued_scope("tokens:read"));
  CAF_CHECK(!is_catalogued_scope("agents:read:agt_1"));
  CAF_CHECK(!is_catalogued_scope("nothing:read"));
  // What bootstrapped keys hold: agents a strict subset of what apps hold.
  std::set<std::string> app;
  for (auto& s : default_scopes(key_holder::app))
    app.insert(s);
  CAF_CHECK_EQUAL(app.size(), 10u);
  CAF_CHECK(app.count("policies:admin") == 1 && app.count("audit_logs:read") == 1);
  auto agent = default_scopes(key_holder::agent);
  CAF_CHECK_EQUAL(agent, (std::vector<std::string>{"grants:read", "tokens:retrieve",
                                                   "proxy:execute", "audit:emit"}));
  CAF_CHECK(set_implies_all(default_scopes(key_holder::app), agent));
}

CAF_TEST(a route whose scope is not in the table is refused at registration) {
  router routes;
  route_group_spec g;
  g.group = route_group::api;
  g.prefixes = {"/v1/"};
  g.no_route = [](const api_call_ptr&, bool) {};
  g.fail = [](const api_call_ptr&, alter_error) {};
  routes.add_group(std::move(g));
  auto handler = [](const api_call_ptr&) {};
  CAF_CHECK_EQUAL(routes.table().size(), 0u);
  routes.add(route{"GET", "/v1/x", scopes::grants_read, handler});
  CAF_CHECK_EQUAL(routes.table().size(), 1u);
  for (auto bad : {"grants:execute", "policy:read", "bogus"}) {
    bool refused = false;
    try {
      routes.add(route{"GET", "/v1/y", bad, handler});
    } catch (const std::logic_error&) {
      refused = true;
    }
    CAF_CHECK(refused);
  }
  bool twice = false;
  try {
    routes.add(route{"GET", "/v1/x", {}, handler});
  } catch (const std::logic_error&) {
    twice = true;
  }
  CAF_CHECK(twice);
  CAF_CHECK_EQUAL(routes.table().size(), 1u);
}
