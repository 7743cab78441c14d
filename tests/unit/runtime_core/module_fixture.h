// The fixture shared by the runtime unit tests that need the test module (test_module.h) and a
// scratch directory: `module_` is loaded, `dir_` is a fresh directory named after the test and
// removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "sfn/runtime.h"
#include "test_module.h"

namespace sfn::test {

class ModuleFixture : public ::testing::Test {
 protected:
  // `prefix` names the scratch directory: <tmp>/<prefix>_<test>_<pid>.
  explicit ModuleFixture(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    auto loaded = runtime::load_module_linked(test_module_entry);
    ASSERT_TRUE(loaded) << loaded.error().message;
    module_ = loaded.value();
    dir_ = std::filesystem::temp_directory_path() /
           (prefix_ + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  runtime::ModulePtr module_;
  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace sfn::test
