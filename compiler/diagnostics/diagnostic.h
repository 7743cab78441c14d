// Diagnostics as data: every user-facing problem the compiler finds is a Diagnostic of a
// registered Kind (kinds.def), reported through a DiagnosticSink. Phases never throw or print
// for user errors; the driver renders the collected diagnostics as text or JSON at the end.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source.h"

namespace sfn::diagnostics {

using source::Span;

enum class Severity { Error, Warning };

enum class Kind {
#define SFN_DIAG(code, severity, summary) code,
#include "compiler/diagnostics/kinds.def"
};

// Static facts about a kind, from kinds.def.
struct KindInfo {
  Kind kind;
  std::string_view code;     // "E0301"
  Severity severity;         // default severity (warnings may be promoted by --deny-warnings)
  std::string_view summary;  // one line describing the check
};

const KindInfo& info(Kind kind);
// All kinds in declaration order (for help texts and the coverage test).
const std::vector<KindInfo>& all_kinds();
// The kind with this code ("E0301"), if any.
std::optional<Kind> kind_from_code(std::string_view code);

// A secondary location with an explanation ("`Cart` is declared here; it handles ...").
// The span may be invalid for a note without a location.
struct Note {
  std::string message;
  Span span;
};

// One replacement of source text; an empty span-range inserts.
struct TextEdit {
  Span span;
  std::string replacement;
};

// A suggested fix, shown as `help:`. `edits` is empty when the fix is advice only.
struct Fix {
  std::string message;
  std::vector<TextEdit> edits;
};

struct Diagnostic {
  Kind kind;
  Severity severity;    // filled from the kind by the sink; promoted by --deny-warnings
  std::string message;  // the headline after `error[E0301]: `
  Span span;            // the primary location (underlined)
  std::string label;    // optional text printed under the underline
  std::vector<Note> notes;
  std::vector<Fix> fixes;
};

// Collects diagnostics in report order. One sink per compilation.
class DiagnosticSink {
 public:
  // Reports a diagnostic of `kind` at `span`. Returns it so callers can attach notes and fixes;
  // the reference is valid only until the next report.
  Diagnostic& report(Kind kind, Span span, std::string message);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool has_errors() const { return error_count() > 0; }
  // Turns every warning (already reported or reported later) into an error.
  void deny_warnings();
  // Sorts by file, then position, keeping report order for equal positions (stable).
  void sort_by_location();

 private:
  std::vector<Diagnostic> diagnostics_;
  bool deny_warnings_ = false;
};

}  // namespace sfn::diagnostics
