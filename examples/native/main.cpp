// clickstream_example --endpoint URL [--queue DIR] [--deadline-ms N]
//
// Sends a page view and a product flow to a clickstream ingest (the local collector or the API
// Gateway endpoint), waits for delivery up to the deadline, and reports what arrived. Exits
// non-zero if anything was left undelivered.
#include <cstdlib>
#include <iostream>
#include <string>

#include "example.hpp"

int main(int argc, char** argv) {
  clickstream_example::options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--endpoint" && has_value) {
      opt.endpoint = argv[++i];
    } else if (arg == "--queue" && has_value) {
      opt.queue_dir = argv[++i];
    } else if (arg == "--deadline-ms" && has_value) {
      opt.deadline = std::chrono::milliseconds(std::atol(argv[++i]));
    } else {
      opt.endpoint.clear();
      break;
    }
  }
  if (opt.endpoint.empty()) {
    std::cerr << "usage: clickstream_example --endpoint URL [--queue DIR] [--deadline-ms N]\n";
    return 2;
  }
  return clickstream_example::run(opt, std::cout);
}
