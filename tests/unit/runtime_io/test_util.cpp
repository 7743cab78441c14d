// Temporary directories for tests (test_util.h).
#include "test_util.h"

#include <stdlib.h>

#include <stdexcept>
#include <system_error>

namespace sfn::runtime::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sfn-rtio-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace sfn::runtime::testing
