// Helpers for the runtime_io tests: a fresh temporary directory per test.
#pragma once

#include <filesystem>
#include <string>

namespace sfn::runtime::testing {

// A directory under the system temp dir, unique per call, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sfn::runtime::testing
