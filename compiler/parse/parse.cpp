// parse_file and token_spans: drives the lexing pass, the two-stage ANTLR parse (fast SLL
// prediction with a bail-out strategy first; on any syntax error, a second full-LL parse with
// our recovering ErrorStrategy so that every error is reported) and the AST builder.
#include "compiler/parse/parse.h"

#include "compiler/parse/internal.h"

namespace sfn::parse {

namespace {

// Stage 1 (SLL, bail on the first error) and, if needed, stage 2 (LL with recovery).
SfnParser::FileContext* run_parser(SfnParser& parser, antlr4::CommonTokenStream& stream,
                                   const std::shared_ptr<ErrorStrategy>& recovering) {
  auto* sim = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  sim->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  try {
    return parser.file();
  } catch (const antlr4::ParseCancellationException&) {
    // fall through to the full parse
  }
  stream.seek(0);
  parser.reset();
  parser.setErrorHandler(recovering);
  sim->setPredictionMode(antlr4::atn::PredictionMode::LL);
  return parser.file();
}

}  // namespace

ast::File parse_file(const source::SourceManager& sources, source::FileId id,
                     diagnostics::DiagnosticSink& sink) {
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
    auto strategy = std::make_shared<ErrorStrategy>(file.text(), id, lexed, stream, sink);
    SfnParser::FileContext* tree = run_parser(parser, stream, strategy);
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
