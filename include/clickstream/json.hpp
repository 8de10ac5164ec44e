// The JSON type the core speaks, and the one way it serializes: never throwing, never aborting
// (invalid UTF-8 is replaced), so the same code is safe with -fno-exceptions in wasm.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace clickstream {

using json = nlohmann::json;

namespace detail {

inline std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

inline void dump_to(std::string& out, const json& value) {
  nlohmann::detail::serializer<json> s(nlohmann::detail::output_adapter<char>(out), ' ',
                                       json::error_handler_t::replace);
  s.dump(value, false, false, 0);
}

}  // namespace detail
}  // namespace clickstream
