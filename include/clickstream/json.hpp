// The JSON type of the C++ API (caller properties). The core itself reads and writes JSON text
// with json_text.hpp; nlohmann is only this public vocabulary type.
#pragma once

#include <nlohmann/json.hpp>

namespace clickstream {

using json = nlohmann::json;

}  // namespace clickstream
