#include "alter/backend/api/api_call.hpp"

#include "alter/auth/request_signing.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/retry_after.hpp"

namespace alter::backend {

void api_call::reply(int status, std::string json_body, field_list extra_headers) {
  http_response res;
  res.status = status;
  res.headers.push_back({"Content-Type", "application/json"});
  // Answers carry credentials: never cached, never sniffed into something else.
  res.headers.push_back({"Cache-Control", "no-store"});
  res.headers.push_back({"X-Content-Type-Options", "nosniff"});
  res.headers.push_back({std::string{header::request_id}, request_id});
  if (identity.key_deprecated())
    res.headers.push_back({std::string{header::key_deprecated}, "true"});
  // Who the backend took the caller to be: the acting agent, else the app.
  if (!identity.key.id.empty())
    res.headers.push_back({std::string{header::actor_id},
                           identity.agent ? identity.agent->id : identity.key.app_id});
  for (auto& h : extra_headers)
    res.headers.push_back(std::move(h));
  res.body = std::move(json_body);
  respond(std::move(res));
}

void api_call::fail(alter_error e) {
  e.request_id = request_id;
  auto status = http_status_of(e.code);
  field_list extra;
  if (auto after = retry_after_value(e.retry_after_ms); !after.empty())
    extra.push_back({"Retry-After", std::move(after)});
  reply(status == 0 ? 500 : status, error_envelope(e), std::move(extra));
}

int64_t api_call::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - started)
      .count();
}

} // namespace alter::backend
