// Every diagnostic kind of kinds.def must be exercised by some file test: its code must appear
// in a `// CHECK:` line of a file under tests/compiler/. Kinds whose check belongs to a feature
// that does not exist yet are listed explicitly, so the gap stays visible.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "compiler/diagnostics/diagnostic.h"

namespace fs = std::filesystem;

TEST(DiagnosticCoverage, EveryKindIsExercisedByAFileTest) {
  // E0601 is reported by hot reload (LANGUAGE.md §11), which is a later issue.
  const std::set<std::string> not_yet_reachable = {"E0601"};
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
    if (not_yet_reachable.count(code)) continue;
    EXPECT_NE(all_checks.find(": " + code + ": "), std::string::npos)
        << "no file test in tests/compiler/ exercises " << code << " (" << kind.summary << ")";
  }
}
