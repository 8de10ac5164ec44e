// The ingest's export (node build only): the same contract validation as the SDK's, for the
// Lambda handler (docs/wasm-abi.md).
#include <emscripten/emscripten.h>

#include <clickstream/contract.hpp>
#include <clickstream/event.hpp>

#include <string>

namespace {
std::string validated;
}

extern "C" EMSCRIPTEN_KEEPALIVE const char* cs_validate_request(const char* body, int length) {
  using namespace clickstream;
  const auto check = contract::validate_request({body, static_cast<std::size_t>(length)});
  std::string scratch;
  detail::object_writer w(scratch);
  w.string("status", contract::to_string(check.status));
  w.string("error", check.error, 4096);
  json accepted(check.accepted);
  w.property("accepted", accepted);
  w.property("accepted_index", json(check.accepted_index));
  json rejected = json::array();
  for (const auto& r : check.rejected) rejected.push_back({{"index", r.index}, {"error", r.error}});
  w.property("rejected", rejected);
  validated = std::string(w.close());
  return validated.c_str();
}
