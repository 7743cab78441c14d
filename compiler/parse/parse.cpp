// parse_file and token_spans: drives the lexing pass, the two-stage ANTLR parse (fast SLL
// prediction with a bail-out strategy first, piece by piece; on any syntax error, a second
// full-LL parse of the whole file with our recovering ErrorStrategy so that every error is
// reported) and the AST builder.
#include "compiler/parse/parse.h"

#include "compiler/parse/internal.h"

namespace sfn::parse {

namespace {

// Stage 1: SLL prediction, bail out on the first syntax error. The file is parsed one top-level
// piece at a time and each piece's parse tree is freed as soon as its AST is built, which keeps
// memory proportional to the largest declaration rather than to the file. Diagnostics of the
// builder (literal errors) are buffered: they are kept only if the whole stage succeeds.
std::optional<ast::File> parse_fast(SfnParser& parser, const source::SourceFile& file, source::FileId id,
                                    const CodePointStream& input, antlr4::CommonTokenStream& stream,
                                    diagnostics::DiagnosticSink& buffered) {
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  Builder builder(file, id, input, stream, buffered);
  ast::File out;
  out.file = id;
  try {
    builder.build_package(parser.packageDecl(), out);
    while (stream.LA(1) == SfnLexer::IMPORT) builder.build_import(parser.importDecl(), out);
    parser.getTreeTracker().reset();
    while (stream.LA(1) != antlr4::Token::EOF) {
      builder.build_top_level(parser.declaration(), out);
      parser.getTreeTracker().reset();
    }
  } catch (const antlr4::ParseCancellationException&) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

ast::File parse_file(const source::SourceManager& sources, source::FileId id, diagnostics::DiagnosticSink& sink) {
  const source::SourceFile& file = sources.file(id);
  ast::File empty;
  empty.file = id;
  try {
    LexedFile lexed = lex_file(file, id, sink);
    if (lexed.too_deep) return empty;
    antlr4::ListTokenSource token_source(std::move(lexed.tokens));
    antlr4::CommonTokenStream stream(&token_source);
    stream.fill();
    SfnParser parser(&stream);
    parser.removeErrorListeners();

    diagnostics::DiagnosticSink buffered;
    if (std::optional<ast::File> fast = parse_fast(parser, file, id, *lexed.input, stream, buffered)) {
      for (const diagnostics::Diagnostic& d : buffered.diagnostics()) {
        sink.report(d.kind, d.span, d.message);
      }
      return std::move(*fast);
    }

    // Stage 2: full LL prediction with our recovering strategy, reporting every syntax error.
    stream.seek(0);
    parser.reset();
    parser.getTreeTracker().reset();
    parser.setErrorHandler(std::make_shared<ErrorStrategy>(file.text(), id, lexed, stream, sink));
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    SfnParser::FileContext* tree = parser.file();
    Builder builder(file, id, *lexed.input, stream, sink);
    return builder.build_file(tree);
  } catch (const std::exception& e) {
    // Defensive: ANTLR should not throw past the recovering strategy, but a user's file must
    // never crash the compiler.
    sink.report(diagnostics::Kind::E0001, source::Span{id, 0, 0},
                std::string("the parser could not process this file: ") + e.what());
    return empty;
  }
}

std::vector<source::Span> token_spans(const source::SourceManager& sources, source::FileId id) {
  diagnostics::DiagnosticSink ignored;
  LexedFile lexed = lex_file(sources.file(id), id, ignored);
  std::vector<source::Span> spans;
  for (const auto& t : lexed.tokens) {
    if (t->getType() == antlr4::Token::EOF || t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) {
      continue;
    }
    source::Span s = token_span(*lexed.input, id, t.get());
    if (s.begin == s.end) continue;  // synthetic tokens closing unterminated strings
    spans.push_back(s);
  }
  return spans;
}

}  // namespace sfn::parse
