// A temporary directory removed with its contents, and whole-file reads: for the
// suites that look at what the backend leaves on disk.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "caf/test/unit_test.hpp"

namespace alter::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

struct temp_dir {
  std::string path;

  temp_dir() {
    char pattern[] = "/tmp/alter-test-XXXXXX";
    path = ::mkdtemp(pattern);
  }

  ~temp_dir() {
    std::string cmd = "rm -rf '" + path + "'";
    if (std::system(cmd.c_str()) != 0)
      CAF_MESSAGE("could not remove " << path);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

} // namespace alter::testing
