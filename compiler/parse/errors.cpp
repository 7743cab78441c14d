// Syntax error reporting and recovery policy. ANTLR's DefaultErrorStrategy does the mechanics
// (single-token insertion/deletion, resynchronisation on FOLLOW sets); this file decides what
// the user reads and when to stay silent. Messages have the form "expected X, found Y", where X
// names grammar categories ("an expression", "a statement", "a type") instead of listing dozens
// of tokens, and operators that could merely continue an expression are left out. To keep one
// mistake to one diagnostic, after a report every enclosing statement/declaration is "poisoned"
// and further reports inside it are dropped, as are reports at a position already reported
// (also by the lexing pass). See docs/decisions/050-parser-recovery.md.
#include <algorithm>
#include <string>
#include <vector>

#include "compiler/parse/internal.h"

namespace sfn::parse {

using antlr4::Parser;
using antlr4::ParserRuleContext;
using antlr4::Token;
using antlr4::misc::IntervalSet;

namespace {

bool is_keyword(size_t type) { return type >= SfnLexer::PACKAGE && type <= SfnLexer::REF_T; }

bool is_type_keyword(size_t type) { return type >= SfnLexer::INT_T && type <= SfnLexer::REF_T; }

// Keywords that can only start a declaration (or an import/package line).
bool is_declaration_keyword(size_t type) {
  switch (type) {
    case SfnLexer::MESSAGE:
    case SfnLexer::ENUM:
    case SfnLexer::CONST:
    case SfnLexer::FN:
    case SfnLexer::EXTERN:
    case SfnLexer::FUNCTION:
    case SfnLexer::INGRESS:
    case SfnLexer::EGRESS:
    case SfnLexer::IMPORT:
    case SfnLexer::PACKAGE:
      return true;
    default:
      return false;
  }
}

bool is_statement_keyword(size_t type) {
  switch (type) {
    case SfnLexer::LET:
    case SfnLexer::VAR:
    case SfnLexer::IF:
    case SfnLexer::WHILE:
    case SfnLexer::FOR:
    case SfnLexer::BREAK:
    case SfnLexer::CONTINUE:
    case SfnLexer::RETURN:
    case SfnLexer::EMIT:
    case SfnLexer::CANCEL:
    case SfnLexer::CLEAR:
    case SfnLexer::FAIL:
    case SfnLexer::SEND:
      return true;
    default:
      return false;
  }
}

bool is_expression_start(size_t type) {
  switch (type) {
    case SfnLexer::INT_LIT:
    case SfnLexer::HEX_LIT:
    case SfnLexer::FLOAT_LIT:
    case SfnLexer::DURATION_LIT:
    case SfnLexer::BAD_NUMBER:
    case SfnLexer::TRUE:
    case SfnLexer::FALSE:
    case SfnLexer::NONE:
    case SfnLexer::SELF:
    case SfnLexer::STR_START:
    case SfnLexer::LBRACK:
    case SfnLexer::LBRACE:
    case SfnLexer::IDENT:
    case SfnLexer::LPAREN:
    case SfnLexer::MINUS:
    case SfnLexer::BANG:
    case SfnLexer::SEND:
      return true;
    default:
      return is_type_keyword(type);
  }
}

// Tokens that continue an expression already complete (binary/postfix operators, assignment).
bool is_continuation(size_t type) {
  switch (type) {
    case SfnLexer::DOT:
    case SfnLexer::LBRACK:
    case SfnLexer::LPAREN:
    case SfnLexer::BANG:
    case SfnLexer::STAR:
    case SfnLexer::SLASH:
    case SfnLexer::PERCENT:
    case SfnLexer::PLUS:
    case SfnLexer::MINUS:
    case SfnLexer::LT:
    case SfnLexer::LE:
    case SfnLexer::GT:
    case SfnLexer::GE:
    case SfnLexer::EQEQ:
    case SfnLexer::NEQ:
    case SfnLexer::ANDAND:
    case SfnLexer::OROR:
    case SfnLexer::QQ:
    case SfnLexer::ASSIGN:
    case SfnLexer::PLUS_ASSIGN:
    case SfnLexer::MINUS_ASSIGN:
    case SfnLexer::STAR_ASSIGN:
    case SfnLexer::SLASH_ASSIGN:
    case SfnLexer::PERCENT_ASSIGN:
      return true;
    default:
      return false;
  }
}

// Rules that are units of recovery: one report per instance of these.
bool is_recovery_unit(size_t rule) {
  switch (rule) {
    case SfnParser::RuleStatement:
    case SfnParser::RuleFieldDecl:
    case SfnParser::RuleEnumValue:
    case SfnParser::RuleMember:
    case SfnParser::RuleDeclaration:
    case SfnParser::RuleImportDecl:
    case SfnParser::RulePackageDecl:
      return true;
    default:
      return false;
  }
}

std::string token_name(size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
  switch (type) {
    case Token::EOF:
      return "end of file";
    case SfnLexer::IDENT:
      return "an identifier";
    case SfnLexer::INT_LIT:
    case SfnLexer::HEX_LIT:
      return "an integer";
    case SfnLexer::FLOAT_LIT:
      return "a float";
    case SfnLexer::DURATION_LIT:
      return "a duration";
    case SfnLexer::STR_START:
      return "a string";
    case SfnLexer::STR_END:
      return "`\"`";
    case SfnLexer::STR_NEWLINE:
      return "end of line";
    case SfnLexer::STR_TEXT:
      return "string text";
    default:
      break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  if (literal.size() >= 2 && literal.front() == '\'') literal = literal.substr(1, literal.size() - 2);
  if (literal.empty()) literal = vocabulary.getSymbolicName(type);
  return "`" + literal + "`";
}

std::string rule_description(size_t rule) {
  switch (rule) {
    case SfnParser::RuleExpr:
    case SfnParser::RulePrimary:
    case SfnParser::RuleArgList:
    case SfnParser::RuleRhs:
    case SfnParser::RuleMapEntry:
      return "an expression";
    case SfnParser::RuleType:
    case SfnParser::RuleTypeAtom:
      return "a type";
    case SfnParser::RuleBlock:
    case SfnParser::RuleStatement:
      return "a statement";
    case SfnParser::RuleFile:
    case SfnParser::RuleDeclaration:
      return "a declaration";
    case SfnParser::RuleMember:
      return "`state` or `on`";
    case SfnParser::RuleFieldDecl:
      return "a field";
    case SfnParser::RuleParam:
    case SfnParser::RuleParamList:
      return "a parameter";
    case SfnParser::RuleQualifiedName:
    case SfnParser::RuleAnyName:
      return "a name";
    default:
      return "valid syntax";
  }
}

std::string join_alternatives(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

}  // namespace

std::string describe_expected(const IntervalSet& expected, size_t rule_index,
                              const antlr4::dfa::Vocabulary& vocabulary) {
  std::vector<size_t> types;
  for (ssize_t t : expected.toList()) {
    if (t == -1)
      types.push_back(Token::EOF);
    else if (t > 0)
      types.push_back(static_cast<size_t>(t));
  }
  auto has = [&](size_t t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  auto drop = [&](auto pred) { types.erase(std::remove_if(types.begin(), types.end(), pred), types.end()); };

  std::vector<std::string> items;
  const bool after_expression = has(SfnLexer::PLUS) && has(SfnLexer::STAR);
  if (after_expression) drop(is_continuation);
  if (has(SfnLexer::SEMI) && has(SfnLexer::PLUS_ASSIGN)) {
    // After a complete expression statement: `;` is what is missing, not an assignment.
    drop([](size_t t) { return t != SfnLexer::SEMI && is_continuation(t); });
  }
  if (has(SfnLexer::MESSAGE) && has(SfnLexer::FUNCTION)) {
    items.push_back("a declaration");
    drop(is_declaration_keyword);
    // ... or a `test` block, which starts with a name (only `test`): part of "a declaration".
    if (!has(SfnLexer::LET)) drop([](size_t t) { return t == SfnLexer::IDENT; });
  }
  if (has(SfnLexer::LET) && has(SfnLexer::IF)) {
    items.push_back("a statement");
    drop(is_statement_keyword);
    drop(is_expression_start);
  } else if (has(SfnLexer::IDENT) && has(SfnLexer::INT_LIT)) {
    items.push_back("an expression");
    drop(is_expression_start);
  } else if (has(SfnLexer::IDENT) && has(SfnLexer::LIST_T)) {
    items.push_back("a type");
    drop([](size_t t) { return t == SfnLexer::IDENT || is_type_keyword(t); });
  }
  if (types.size() > 4) {
    if (items.empty()) {
      std::string rule = rule_description(rule_index);
      if (rule != "valid syntax") {
        items.push_back(rule);
      } else {
        for (std::size_t i = 0; i < 3; ++i) items.push_back(token_name(types[i], vocabulary));
        items.push_back("another token");
      }
    }
  } else {
    for (size_t t : types) items.push_back(token_name(t, vocabulary));
  }
  if (items.empty()) items.push_back(rule_description(rule_index));
  return join_alternatives(items);
}

std::string describe_token(const Token* token, std::string_view source_text, const CodePointStream& input) {
  if (token == nullptr || token->getType() == Token::EOF) return "end of file";
  source::Span span = token_span(input, source::FileId{1}, token);
  std::string text(source_text.substr(span.begin, span.end - span.begin));
  const size_t type = token->getType();
  if (type == SfnLexer::STR_START) return "a string";
  if (type == SfnLexer::STR_NEWLINE) return "end of line";
  if (text.size() > 24) text = text.substr(0, 21) + "...";
  if (is_keyword(type)) return "keyword `" + text + "`";
  return "`" + text + "`";
}

ErrorStrategy::ErrorStrategy(std::string_view text, source::FileId file, const LexedFile& lexed,
                             antlr4::BufferedTokenStream& stream, diagnostics::DiagnosticSink& sink)
    : text_(text), input_(*lexed.input), file_(file), lexed_(lexed), stream_(stream), sink_(sink) {
  // Lexical errors open regions too: the parser's complaints about their fallout are dropped.
  auto next = lexed.error_offsets.begin();
  for (std::size_t i = 0; i < stream_.size() && next != lexed.error_offsets.end(); ++i) {
    Token* t = stream_.get(i);
    if (t->getChannel() != Token::DEFAULT_CHANNEL) continue;
    source::Span span = token_span(input_, file_, t);
    while (next != lexed.error_offsets.end() && (*next < span.end || t->getType() == Token::EOF)) {
      regions_.emplace_back(i, region_end(i));
      ++next;
    }
  }
}

std::size_t ErrorStrategy::region_end(std::size_t index) const {
  int depth = 0;
  const std::size_t limit = std::min(stream_.size(), index + kMaxRegionTokens);
  for (std::size_t j = index; j < limit; ++j) {
    Token* t = stream_.get(j);
    if (t->getChannel() != Token::DEFAULT_CHANNEL) continue;
    const size_t type = t->getType();
    if (type == Token::EOF) return j;
    if (j > index && is_declaration_keyword(type)) return j - 1;
    switch (type) {
      case SfnLexer::LPAREN:
      case SfnLexer::LBRACK:
      case SfnLexer::LBRACE:
      case SfnLexer::INTERP_START:
        ++depth;
        break;
      case SfnLexer::RPAREN:
      case SfnLexer::RBRACK:
        if (depth > 0) --depth;
        break;
      case SfnLexer::RBRACE:
        if (depth == 0) return j;
        if (--depth == 0) {
          // A block closed at the statement's level ends the statement unless more follows
          // (`} else`, `} to x;`, `}.f`): then keep going to the `;`.
          Token* after = stream_.get(std::min(j + 1, stream_.size() - 1));
          size_t next = after->getType();
          if (next != SfnLexer::ELSE && next != SfnLexer::TO && next != SfnLexer::DOT && next != SfnLexer::SEMI &&
              next != SfnLexer::COMMA && next != SfnLexer::RPAREN && !is_continuation(next)) {
            return j;
          }
        }
        break;
      case SfnLexer::SEMI:
        if (depth == 0) return j;
        break;
      default:
        break;
    }
  }
  return limit == 0 ? 0 : limit - 1;
}

void ErrorStrategy::report(Parser* recognizer, Token* at, const std::string& message, bool exact) {
  if (at == nullptr) at = recognizer->getCurrentToken();
  if (at->getType() == Token::EOF && lexed_.eof_error) return;
  std::size_t index = at->getTokenIndex();
  if (index == INVALID_INDEX) index = recognizer->getCurrentToken()->getTokenIndex();
  for (const auto& [begin, end] : regions_) {
    if (index >= begin && index <= end) return;
  }
  ParserRuleContext* ctx = recognizer->getContext();
  if (in_poisoned_unit(ctx) || reported_ > kMaxSyntaxErrors) return;
  if (++reported_ > kMaxSyntaxErrors) {
    sink_.report(diagnostics::Kind::E0001, token_span(input_, file_, at),
                 "too many syntax errors; no further errors are reported for this file");
    return;
  }
  sink_.report(diagnostics::Kind::E0001, token_span(input_, file_, at), message);
  // An exact repair at the start of a line (typically a `;` missing at the end of the previous
  // line) leaves the next statement intact; mid-line, the rest of the line is likely confused.
  if (exact && index != INVALID_INDEX && index > 0) {
    const source::Span here = token_span(input_, file_, at);
    const source::Span before = token_span(input_, file_, stream_.get(index - 1));
    exact =
        text_.substr(before.end, here.begin - std::min(here.begin, before.end)).find('\n') != std::string_view::npos;
  }
  regions_.emplace_back(index, exact ? index : region_end(index));
  for (ParserRuleContext* c = ctx; c != nullptr; c = dynamic_cast<ParserRuleContext*>(c->parent)) {
    if (is_recovery_unit(c->getRuleIndex())) poisoned_.insert(c);
  }
}

bool ErrorStrategy::in_poisoned_unit(ParserRuleContext* ctx) const {
  // The innermost unit around the error, if it already has an error.
  for (ParserRuleContext* c = ctx; c != nullptr; c = dynamic_cast<ParserRuleContext*>(c->parent)) {
    if (is_recovery_unit(c->getRuleIndex())) {
      if (poisoned_.count(c) != 0) return true;
      break;
    }
  }
  // Between units (e.g. junk between statements): the unit just before, if it failed.
  for (ParserRuleContext* c = ctx; c != nullptr; c = dynamic_cast<ParserRuleContext*>(c->parent)) {
    for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) {
      auto* child = dynamic_cast<ParserRuleContext*>(*it);
      if (child == nullptr) continue;
      if (is_recovery_unit(child->getRuleIndex())) return poisoned_.count(child) != 0;
      break;
    }
    if (is_recovery_unit(c->getRuleIndex())) break;
  }
  return false;
}

void ErrorStrategy::sync(Parser* recognizer) {
  // A declaration keyword (or `state`/`on` inside a statement block) most likely means a `}`
  // is missing: leave the token for the enclosing rule, whose `}` is then reported missing and
  // conjured, instead of skipping the whole next declaration.
  const size_t la = recognizer->getInputStream()->LA(1);
  ParserRuleContext* ctx = recognizer->getContext();
  const bool closing = is_declaration_keyword(la) || ((la == SfnLexer::STATE || la == SfnLexer::ON) &&
                                                      ctx->getRuleIndex() != SfnParser::RuleFunctionDecl);
  if (closing && ctx->getRuleIndex() != SfnParser::RuleFile) {
    const auto& atn = recognizer->getInterpreter<antlr4::atn::ParserATNSimulator>()->atn;
    if (!atn.nextTokens(atn.states[recognizer->getState()]).contains(la)) return;
  }
  in_sync_ = true;
  DefaultErrorStrategy::sync(recognizer);
  in_sync_ = false;
}

void ErrorStrategy::reportNoViableAlternative(Parser* recognizer, const antlr4::NoViableAltException& e) {
  Token* found = e.getOffendingToken();
  ParserRuleContext* ctx = recognizer->getContext();
  std::string message;
  if (e.getStartToken() != nullptr && found != nullptr &&
      e.getStartToken()->getTokenIndex() != found->getTokenIndex()) {
    message = "unexpected " + describe_token(found, text_, input_);
  } else {
    message = "expected " + describe_expected(e.getExpectedTokens(), ctx->getRuleIndex(), recognizer->getVocabulary()) +
              ", found " + describe_token(found, text_, input_);
  }
  report(recognizer, found, message);
}

void ErrorStrategy::reportInputMismatch(Parser* recognizer, const antlr4::InputMismatchException& e) {
  Token* found = e.getOffendingToken();
  ParserRuleContext* ctx = recognizer->getContext();
  report(recognizer, found,
         "expected " + describe_expected(e.getExpectedTokens(), ctx->getRuleIndex(), recognizer->getVocabulary()) +
             ", found " + describe_token(found, text_, input_));
}

void ErrorStrategy::reportFailedPredicate(Parser* recognizer, const antlr4::FailedPredicateException& e) {
  Token* found = e.getOffendingToken();
  report(recognizer, found, "unexpected " + describe_token(found, text_, input_));
}

void ErrorStrategy::reportUnwantedToken(Parser* recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  Token* found = recognizer->getCurrentToken();
  ParserRuleContext* ctx = recognizer->getContext();
  report(recognizer, found,
         "expected " +
             describe_expected(getExpectedTokens(recognizer), ctx->getRuleIndex(), recognizer->getVocabulary()) +
             ", found " + describe_token(found, text_, input_),
         !in_sync_);
}

void ErrorStrategy::reportMissingToken(Parser* recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  Token* found = recognizer->getCurrentToken();
  ParserRuleContext* ctx = recognizer->getContext();
  report(recognizer, found,
         "expected " +
             describe_expected(getExpectedTokens(recognizer), ctx->getRuleIndex(), recognizer->getVocabulary()) +
             ", found " + describe_token(found, text_, input_),
         true);
}

}  // namespace sfn::parse
