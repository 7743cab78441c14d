// The parser front end: turns source text into the AST (compiler/ast/ast.h) and loads a whole
// program (a root file plus its imports, transitively). The ANTLR grammar in grammar/ and ANTLR's
// parse tree stay inside this folder; callers see only sources, diagnostics and AST nodes.
//
// Conventions the later phases rely on (see docs/decisions/050-parser-recovery.md):
// - Every syntax problem is reported here as E0001 (unknown/unreadable imports as E0103), at most
//   one per statement or declaration. The part that failed becomes ast::ErrorExpr or
//   ast::ErrorStmt; later phases must skip those silently.
// - An ast::Ident with an empty `name` was missing in the source (already reported); a
//   declaration whose own name is missing is dropped from the file; a Named TypeExpr with an
//   empty name is a type that failed to parse.
// - Spans are byte offsets. A parenthesised expression has the span of its contents (there is
//   no Paren node); an Optional TypeExpr covers `T?` and its inner type only `T`; a StringPart
//   interpolation covers `${...}`, a text part the source characters it was decoded from.
// - Literal problems (int > INT64_MAX, bad escapes, out-of-range durations) are reported here;
//   the literal still appears in the AST with `overflow` set or the bad escape left out.
// - `-9223372036854775808` is folded into one IntLit (the only negative literal); every other
//   `-x` is an ast::Unary.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace sfn::parse {

// Parses one file of `sources`. Always returns a File (possibly partial); reports every syntax
// error of the file to `sink`. Never throws, never crashes, whatever the input.
ast::File parse_file(const source::SourceManager& sources, source::FileId file, diagnostics::DiagnosticSink& sink);

// Source text of a standard-library module given its full name ("std.strings"), or nullopt if
// no such module exists.
using StdModuleProvider = std::function<std::optional<std::string>(std::string_view module_name)>;

// Loads the program rooted at `root_path`: the root file (reused if `sources` already holds a file
// with exactly that path, e.g. an editor buffer), then every import transitively, breadth first.
// `import "x.sfn";` is resolved against the importing file's directory; `import std.m;` asks
// `std_modules` and is registered under the path `<std>/m.sfn`. Each file is loaded once, even
// in import cycles. An unreadable file or unknown std module is E0103 at the import, with a "did
// you mean" note when one of `std_module_names` is close.
//
// If the root itself cannot be read, nothing is reported to `sink` and the result is an error
// whose message is the reason (e.g. "No such file or directory") so that the driver can print
// "error: cannot read `x.sfn`: <reason>" and exit with status 2.
[[nodiscard]] Result<ast::Program> load_program(source::SourceManager& sources, const std::string& root_path,
                                                const StdModuleProvider& std_modules, diagnostics::DiagnosticSink& sink,
                                                const std::vector<std::string>& std_module_names = {});

// The spans of every token the parser sees (default channel, without EOF and without tokens
// the lexer reported as invalid characters), in order. Used by robustness tests that truncate
// or delete tokens.
std::vector<source::Span> token_spans(const source::SourceManager& sources, source::FileId file);

}  // namespace sfn::parse
