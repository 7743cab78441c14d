// `sfn test`'s output (see test_report.h).
#include "compiler/driver/test_report.h"

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sfn::driver {
namespace {

std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += indent + line + "\n";
  return out;
}

std::string failure_text(const TestOutcome& t, const TestFailure& f) {
  return t.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + ": " + f.statement + "\n" +
         indented(f.message, "  ");
}

nlohmann::json outcome_json(const TestOutcome& t) {
  nlohmann::json failures = nlohmann::json::array();
  for (const TestFailure& f : t.failures)
    failures.push_back({{"line", f.line}, {"column", f.column}, {"statement", f.statement}, {"message", f.message}});
  return {{"file", t.file}, {"name", t.name}, {"line", t.line},      {"passed", t.passed},
          {"ms", t.ms},     {"runs", t.runs}, {"failures", failures}};
}

std::string xml_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

void junit_case(std::ostream& o, const TestOutcome& t) {
  o << "    <testcase name=\"" << xml_escaped(t.name) << "\" classname=\"" << xml_escaped(t.file) << "\" file=\""
    << xml_escaped(t.file) << "\" line=\"" << t.line << "\" time=\"" << t.ms / 1000 << "\"";
  if (t.passed) {
    o << "/>\n";
    return;
  }
  o << ">\n";
  for (const TestFailure& f : t.failures)
    o << "      <failure message=\"" << xml_escaped(f.statement) << "\" type=\"expectation\">"
      << xml_escaped(failure_text(t, f)) << "</failure>\n";
  o << "    </testcase>\n";
}

}  // namespace

std::size_t TestSummary::failed() const {
  std::size_t n = 0;
  for (const TestOutcome& t : outcomes) n += t.passed ? 0 : 1;
  return n;
}

void print_results(const TestSummary& summary, bool json) {
  for (const TestOutcome& t : summary.outcomes) {
    if (json) {
      std::cout << outcome_json(t).dump() << "\n";
      continue;
    }
    std::cout << (t.passed ? "ok   " : "FAIL ") << t.file << ":" << t.line << ": test \"" << t.name << "\"\n";
    for (const TestFailure& f : t.failures) std::cout << indented(failure_text(t, f), "  ");
  }
  if (json) return;
  const std::size_t failed = summary.failed();
  std::cout << summary.outcomes.size() - failed << " passed, " << failed << " failed";
  if (!summary.file_errors.empty())
    std::cout << ", " << summary.file_errors.size() << " file" << (summary.file_errors.size() == 1 ? "" : "s")
              << " with errors";
  std::cout << "\n";
}

bool write_junit(const TestSummary& summary, const std::string& path) {
  std::map<std::string, std::vector<const TestOutcome*>> by_file;
  for (const TestOutcome& t : summary.outcomes) by_file[t.file].push_back(&t);
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sfn test\" tests=\"" << summary.outcomes.size()
    << "\" failures=\"" << summary.failed() << "\" time=\"" << summary.seconds << "\">\n";
  for (const auto& [file, tests] : by_file) {
    std::size_t failures = 0;
    double ms = 0;
    for (const TestOutcome* t : tests) {
      failures += t->passed ? 0 : 1;
      ms += t->ms;
    }
    o << "  <testsuite name=\"" << xml_escaped(file) << "\" tests=\"" << tests.size() << "\" failures=\"" << failures
      << "\" errors=\"0\" skipped=\"0\" time=\"" << ms / 1000 << "\">\n";
    for (const TestOutcome* t : tests) junit_case(o, *t);
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  std::ofstream f(path);
  f << o.str();
  if (!f.flush()) {
    std::cerr << "error: --junit: cannot write `" << path << "`\n";
    return false;
  }
  return true;
}

}  // namespace sfn::driver
