// parse_syntax_tree: ANTLR's parse tree of an error-free file as a tree of SyntaxNode.
#include "compiler/parse/syntax.h"

#include <mutex>
#include <set>
#include <string>

#include "compiler/parse/internal.h"
#include "compiler/parse/parse.h"

namespace sfn::parse {
namespace {

// The label of a labelled alternative (`# messageLit`), which ANTLR keeps only as a class.
std::string_view alternative_label(antlr4::ParserRuleContext* ctx) {
  using P = SfnParser;
  std::size_t rule = ctx->getRuleIndex();
  if (rule != P::RuleExpr && rule != P::RulePrimary && rule != P::RuleStringPart && rule != P::RuleTypeAtom) {
    return {};
  }
  if (dynamic_cast<P::MessageLitContext*>(ctx)) return "messageLit";
  if (dynamic_cast<P::MapLitContext*>(ctx)) return "mapLit";
  if (dynamic_cast<P::ListLitContext*>(ctx)) return "listLit";
  if (dynamic_cast<P::ParenExprContext*>(ctx)) return "parenExpr";
  if (dynamic_cast<P::CallExprContext*>(ctx)) return "callExpr";
  if (dynamic_cast<P::IndexExprContext*>(ctx)) return "indexExpr";
  if (dynamic_cast<P::FieldExprContext*>(ctx)) return "fieldExpr";
  if (dynamic_cast<P::UnaryExprContext*>(ctx)) return "unaryExpr";
  if (dynamic_cast<P::UnwrapExprContext*>(ctx)) return "unwrapExpr";
  if (dynamic_cast<P::BinaryExprContext*>(ctx)) return "binaryExpr";
  if (dynamic_cast<P::StrInterpContext*>(ctx)) return "strInterp";
  if (dynamic_cast<P::ListTypeContext*>(ctx) || dynamic_cast<P::MapTypeContext*>(ctx) ||
      dynamic_cast<P::RefTypeContext*>(ctx)) {
    return "genericType";
  }
  return {};
}

class TreeBuilder {
 public:
  TreeBuilder(const SfnParser& parser, const CodePointStream& input, source::FileId file)
      : rule_names_(parser.getRuleNames()), vocabulary_(parser.getVocabulary()), input_(input), file_(file) {}

  SyntaxNode build(antlr4::tree::ParseTree* tree) {
    SyntaxNode node;
    if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(tree)) {
      antlr4::Token* t = terminal->getSymbol();
      node.token = token_name(t->getType());
      node.span = token_span(input_, file_, t);
      return node;
    }
    auto* ctx = static_cast<antlr4::ParserRuleContext*>(tree);
    node.rule = alternative_label(ctx);
    if (node.rule.empty()) node.rule = rule_name(ctx->getRuleIndex());
    node.children.reserve(ctx->children.size());
    for (auto* child : ctx->children) {
      if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child);
          terminal && terminal->getSymbol()->getType() == antlr4::Token::EOF) {
        continue;
      }
      node.children.push_back(build(child));
      node.span = source::Span::cover(node.span, node.children.back().span);
    }
    return node;
  }

 private:
  std::string_view token_name(std::size_t type) {
    if (type >= token_names_.size()) token_names_.resize(type + 1);
    if (token_names_[type].empty()) token_names_[type] = intern(vocabulary_.getSymbolicName(type));
    return token_names_[type];
  }
  std::string_view rule_name(std::size_t rule) {
    if (rule >= rule_names_cache_.size()) rule_names_cache_.resize(rule + 1);
    if (rule_names_cache_[rule].empty()) rule_names_cache_[rule] = intern(rule_names_[rule]);
    return rule_names_cache_[rule];
  }

  // Names live in the parser's tables; SyntaxNode keeps views of copies that live forever.
 public:
  static std::string_view intern(const std::string& name) {
    static std::mutex mutex;
    static std::set<std::string, std::less<>> names;
    std::lock_guard lock(mutex);
    return *names.insert(name).first;
  }

 private:
  const std::vector<std::string>& rule_names_;
  const antlr4::dfa::Vocabulary& vocabulary_;
  const CodePointStream& input_;
  source::FileId file_;
  std::vector<std::string_view> token_names_;
  std::vector<std::string_view> rule_names_cache_;
};

}  // namespace

std::optional<SyntaxNode> parse_syntax_tree(const source::SourceManager& sources, source::FileId id,
                                            diagnostics::DiagnosticSink& sink) {
  // One lexing pass, one SLL parse that bails out on the first error, and the AST builder for
  // the literal errors it reports; any error means a second, reporting parse by parse_file.
  const source::SourceFile& file = sources.file(id);
  diagnostics::DiagnosticSink own;
  try {
    LexedFile lexed = lex_file(file, id, own);
    if (!own.has_errors() && !lexed.too_deep) {
      antlr4::ListTokenSource token_source(std::move(lexed.tokens));
      antlr4::CommonTokenStream stream(&token_source);
      stream.fill();
      SfnParser parser(&stream);
      parser.removeErrorListeners();
      parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      SfnParser::FileContext* tree = parser.file();
      Builder(file, id, *lexed.input, stream, own).build_file(tree);
      if (!own.has_errors()) return TreeBuilder(parser, *lexed.input, id).build(tree);
    }
  } catch (const antlr4::ParseCancellationException&) {
  } catch (const std::exception&) {
  }
  diagnostics::DiagnosticSink reported;
  (void)parse_file(sources, id, reported);
  if (!reported.has_errors()) {
    reported.report(diagnostics::Kind::E0001, source::Span{id, 0, 0}, "the parser could not process this file");
  }
  for (const auto& d : reported.diagnostics()) sink.report(d.kind, d.span, d.message);
  return std::nullopt;
}

}  // namespace sfn::parse

namespace sfn::parse {

std::vector<std::string_view> keywords() {
  static const std::vector<std::string_view> words = [] {
    std::vector<std::string_view> out;
    antlr4::ANTLRInputStream input("");
    SfnLexer lexer(&input);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    for (std::size_t type = 1; type <= vocabulary.getMaxTokenType(); ++type) {
      std::string literal = vocabulary.getLiteralName(type);  // "'package'"
      if (literal.size() > 2 && std::isalpha(static_cast<unsigned char>(literal[1]))) {
        out.push_back(TreeBuilder::intern(literal.substr(1, literal.size() - 2)));
      }
    }
    return out;
  }();
  return words;
}

}  // namespace sfn::parse
