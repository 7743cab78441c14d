// The kind table (from kinds.def) and the diagnostic sink.
#include "compiler/diagnostics/diagnostic.h"

#include <algorithm>

namespace sfn::diagnostics {

const std::vector<KindInfo>& all_kinds() {
  static const std::vector<KindInfo> kinds = {
#define SFN_DIAG(code, severity, summary) KindInfo{Kind::code, #code, Severity::severity, summary},
#include "compiler/diagnostics/kinds.def"
  };
  return kinds;
}

const KindInfo& info(Kind kind) { return all_kinds()[static_cast<std::size_t>(kind)]; }

std::optional<Kind> kind_from_code(std::string_view code) {
  for (const auto& k : all_kinds()) {
    if (k.code == code) return k.kind;
  }
  return std::nullopt;
}

Diagnostic& DiagnosticSink::report(Kind kind, Span span, std::string message) {
  Severity severity = info(kind).severity;
  if (deny_warnings_) severity = Severity::Error;
  diagnostics_.push_back(Diagnostic{kind, severity, std::move(message), span, {}, {}, {}});
  return diagnostics_.back();
}

std::size_t DiagnosticSink::error_count() const {
  return std::count_if(diagnostics_.begin(), diagnostics_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

std::size_t DiagnosticSink::warning_count() const { return diagnostics_.size() - error_count(); }

void DiagnosticSink::deny_warnings() {
  deny_warnings_ = true;
  for (auto& d : diagnostics_) d.severity = Severity::Error;
}

void DiagnosticSink::sort_by_location() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.file != b.span.file) return a.span.file < b.span.file;
    return a.span.begin < b.span.begin;
  });
}

}  // namespace sfn::diagnostics
