// Bootstrap: on a database a running server uses it only adds (the server's
// provider rows stay as the server registered them), and what it creates is on
// the audit trail as the same creations through the API are.
#define CAF_SUITE bootstrap
#include "caf/test/unit_test.hpp"

#include <string>

#include "backend/bootstrap.hpp"
#include "backend/store/sqlite/sqlite_store.hpp"

#include "backend_world.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

backend::backend_options file_options(const std::string& db_path) {
  auto o = world::options(false);
  o.database_path = db_path;
  return o;
}

} // namespace

CAF_TEST(an offline bootstrap of a live database keeps its proxy calls working) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  world w{file_options(db_path)};
  auto agent = w.agent();
  provider_call call;
  call.url = w.provider_url("sim-bearer") + "/v1/items";
  call.grant_id = w.keys.agents[0].grant_ids[0];
  CAF_REQUIRE_EQUAL(agent.proxy_request(call).result.status_code, 200);
  {
    // What `alter-local bootstrap --db FILE` does, from a second handle.
    backend::sqlite_store other{db_path};
    backend::register_simulated_providers(other, "https://127.0.0.1:8444");
    backend::bootstrap_spec spec;
    spec.agents = 1;
    backend::bootstrap(other, spec);
  }
  auto after = thrown_by([&] { agent.proxy_request(call); });
  // unknown_error: nothing was thrown.
  CAF_CHECK_EQUAL(after.message, "nothing was thrown");
  auto registered = w.backend.db().grants().find_provider("sim-bearer");
  CAF_REQUIRE(registered.has_value());
  CAF_CHECK_EQUAL(registered->base_url, w.provider_url("sim-bearer"));
}
