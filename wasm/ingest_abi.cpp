// The ingest's export (node build only): the same contract validation as the SDK's, for the
// Lambda handler (docs/wasm-abi.md).
#include <emscripten/emscripten.h>

#include <clickstream/contract.hpp>

#include <string>

namespace {
std::string validated;
}

// {"status","error","accepted":[events as
// sent],"accepted_index":[…],"rejected":[{"index","error"}]}
extern "C" EMSCRIPTEN_KEEPALIVE const char* cs_validate_request(const char* body, int length) {
  using namespace clickstream;
  const auto check = contract::validate_request({body, static_cast<std::size_t>(length)});
  std::string scratch;
  detail::text_writer w(scratch);
  w.put("{\"status\":");
  w.json_string(contract::to_string(check.status));
  w.put(",\"error\":");
  w.json_string(check.error);
  w.put(",\"accepted\":[");
  for (std::size_t i = 0; i < check.accepted.size(); ++i) {
    if (i) w.put(',');
    w.put(check.accepted[i]);
  }
  w.put("],\"accepted_index\":[");
  for (std::size_t i = 0; i < check.accepted_index.size(); ++i) {
    if (i) w.put(',');
    w.integer(check.accepted_index[i]);
  }
  w.put("],\"rejected\":[");
  for (std::size_t i = 0; i < check.rejected.size(); ++i) {
    if (i) w.put(',');
    w.put("{\"index\":");
    w.integer(check.rejected[i].index);
    w.put(",\"error\":");
    w.json_string(check.rejected[i].error);
    w.put('}');
  }
  w.put("]}");
  validated.assign(w.text());
  return validated.c_str();
}
