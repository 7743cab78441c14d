// Every diagnostic kind of kinds.def must be exercised by some file test: its code must appear
// in a `// CHECK:` line of a file under tests/compiler/ (E0601 and W0602: fail_compat/).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "compiler/diagnostics/diagnostic.h"

namespace fs = std::filesystem;

TEST(DiagnosticCoverage, EveryKindIsExercisedByAFileTest) {
  std::string all_checks;
  for (const auto& entry : fs::recursive_directory_iterator(SFN_TESTS_COMPILER_DIR)) {
    if (entry.path().extension() != ".sfn") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("// CHECK: ", 0) == 0) all_checks += line + "\n";
    }
  }
  for (const auto& kind : sfn::diagnostics::all_kinds()) {
    std::string code(kind.code);
    EXPECT_NE(all_checks.find(": " + code + ": "), std::string::npos)
        << "no file test in tests/compiler/ exercises " << code << " (" << kind.summary << ")";
  }
}
