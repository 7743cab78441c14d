// Completion: what may be written at the cursor, from the text just before it (the line being
// typed rarely parses) and the latest analysis (the names the program declares).
#include <algorithm>
#include <set>

#include "compiler/lsp/features.h"
#include "compiler/parse/syntax.h"

namespace sfn::lsp {
namespace {

using SK = Symbol::Kind;

// LSP CompletionItemKind
constexpr int kKeyword = 14, kStruct = 22, kField = 5, kFunction = 3, kClass = 7, kEnum = 13, kEnumMember = 20,
              kConstant = 21, kVariable = 6, kEvent = 23, kModule = 9, kMethod = 2;

int item_kind(SK kind) {
  switch (kind) {
    case SK::Message:
      return kStruct;
    case SK::Field:
    case SK::State:
      return kField;
    case SK::Enum:
      return kEnum;
    case SK::EnumValue:
      return kEnumMember;
    case SK::Const:
      return kConstant;
    case SK::Fn:
      return kFunction;
    case SK::Function:
      return kClass;
    case SK::Ingress:
    case SK::Egress:
      return kEvent;
    default:
      return kVariable;
  }
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct Context {
  std::string_view before;  // the file's text up to the cursor
  std::size_t word_start;   // where the identifier being typed starts
  std::string previous_word;
  char previous_char = 0;  // the non-blank character before the word
};

Context context_at(std::string_view text, std::uint32_t offset) {
  Context c;
  c.before = text.substr(0, offset);
  std::size_t i = c.before.size();
  while (i > 0 && ident_char(c.before[i - 1])) --i;
  c.word_start = i;
  while (i > 0 && (c.before[i - 1] == ' ' || c.before[i - 1] == '\t')) --i;
  if (i > 0) c.previous_char = c.before[i - 1];
  std::size_t end = i;
  while (i > 0 && ident_char(c.before[i - 1])) --i;
  c.previous_word = std::string(c.before.substr(i, end - i));
  return c;
}

class Completer {
 public:
  Completer(const Analysis& a, source::FileId file) : a_(a), file_(file) {}

  Json items() && { return std::move(items_); }

  void add(const std::string& label, int kind, const std::string& detail = {}) {
    if (!seen_.insert(label).second) return;
    Json item = {{"label", label}, {"kind", kind}};
    if (!detail.empty()) item["detail"] = detail;
    items_.push_back(std::move(item));
  }
  void symbols(const std::initializer_list<SK>& kinds, const std::string& container = {}) {
    for (const auto& [key, s] : a_.symbols) {
      if (s.is_std || std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) continue;
      if (!container.empty() && s.container != container) continue;
      if (s.kind == SK::Local && (s.definition.file != file_)) continue;
      add(s.name, item_kind(s.kind), s.detail);
    }
  }
  void keywords() {
    for (std::string_view k : parse::keywords()) add(std::string(k), kKeyword);
    for (const char* b : {"now", "log", "min", "max", "abs"}) add(b, kFunction, "built-in");
  }
  // Members after `name.`: fields, enum values, module functions or methods of the name's type.
  void members(const std::string& name) {
    if (a_.symbols.count("enum:" + name)) return symbols({SK::EnumValue}, name);
    if (a_.checked) {
      auto m = a_.checked->modules.find(name);
      if (m != a_.checked->modules.end()) {
        for (const auto& [fn, index] : m->second) add(fn, kFunction, a_.checked->fns[index].name);
        return;
      }
    }
    std::string type = type_of_name(name);
    if (type.empty()) return;
    if (a_.symbols.count("message:" + type)) return symbols({SK::Field}, type);
    methods(type);
  }

 private:
  // The declared type of a local, state or const named `name` (from its hover line).
  std::string type_of_name(const std::string& name) const {
    for (const auto& [key, s] : a_.symbols) {
      if (s.name != name || (s.kind != SK::Local && s.kind != SK::State && s.kind != SK::Const)) continue;
      std::size_t colon = s.detail.rfind(": ");
      if (colon != std::string::npos) return s.detail.substr(colon + 2);
    }
    return {};
  }
  void methods(const std::string& type) {
    using M = check::Method;
    auto range = [&](M from, M to) {
      for (int m = static_cast<int>(from); m <= static_cast<int>(to); ++m)
        add(check::method_name(static_cast<M>(m)), kMethod, type);
    };
    if (type == "string")
      range(M::StrLen, M::StrSubstring);
    else if (type.rfind("list<", 0) == 0)
      range(M::ListLen, M::ListLast);
    else if (type.rfind("map<", 0) == 0)
      range(M::MapLen, M::MapIsEmpty);
    else if (type == "time")
      range(M::TimeUnixMillis, M::TimeUnixMillis);
    else if (type == "duration")
      range(M::DurationMillis, M::DurationSeconds);
  }

  const Analysis& a_;
  source::FileId file_;
  Json items_ = Json::array();
  std::set<std::string> seen_;
};

// The message type of the literal whose braces enclose the cursor, when the cursor is where a
// field name goes (after `{` or `,`).
std::string enclosing_message_literal(const Analysis& a, const Context& c) {
  if (c.previous_char != '{' && c.previous_char != ',') return {};
  int depth = 0;
  for (std::size_t i = c.word_start; i-- > 0;) {
    char ch = c.before[i];
    if (ch == '}' || ch == ')' || ch == ']') ++depth;
    if (ch == '(' || ch == '[') --depth;
    if (ch == ';') return {};
    if (ch == '{' && depth-- == 0) {
      std::size_t j = i;
      while (j > 0 && c.before[j - 1] == ' ') --j;
      std::size_t end = j;
      while (j > 0 && ident_char(c.before[j - 1])) --j;
      std::string name(c.before.substr(j, end - j));
      return a.symbols.count("message:" + name) ? name : std::string();
    }
  }
  return {};
}

// The function type whose body holds the cursor: the last `function Name` before it.
std::string enclosing_function(const Context& c) {
  std::size_t at = c.before.rfind("function ");
  if (at == std::string_view::npos) return {};
  std::size_t begin = at + 9, end = begin;
  while (end < c.before.size() && ident_char(c.before[end])) ++end;
  return std::string(c.before.substr(begin, end - begin));
}

}  // namespace

Json completion(const Analysis& a, source::FileId file, std::uint32_t offset) {
  Context c = context_at(a.sources.file(file).text(), offset);
  Completer out(a, file);
  if (c.previous_char == '.' && c.previous_word.empty()) {
    std::size_t dot = c.before.rfind('.', c.word_start);
    std::size_t i = dot;
    while (i > 0 && ident_char(c.before[i - 1])) --i;
    out.members(std::string(c.before.substr(i, dot - i)));
  } else if (std::string lit = enclosing_message_literal(a, c); !lit.empty()) {
    out.symbols({SK::Field}, lit);
  } else if (c.previous_word == "send" || c.previous_word == "emit" || c.previous_word == "on") {
    out.symbols({SK::Message});
  } else if (c.previous_word == "to") {
    bool emit = c.before.rfind("emit") != std::string_view::npos &&
                (c.before.rfind("send") == std::string_view::npos || c.before.rfind("emit") > c.before.rfind("send"));
    if (emit)
      out.symbols({SK::Egress});
    else
      out.symbols({SK::Function, SK::Local, SK::State});
  } else {
    out.keywords();
    out.symbols({SK::Message, SK::Enum, SK::Const, SK::Fn, SK::Function, SK::Local});
    if (std::string f = enclosing_function(c); !f.empty()) out.symbols({SK::State}, f);
    if (a.checked) {
      for (const auto& [module, fns] : a.checked->modules) out.add(module, kModule, "std." + module);
    }
  }
  return {{"isIncomplete", false}, {"items", std::move(out).items()}};
}

}  // namespace sfn::lsp
