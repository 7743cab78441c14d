// Implementation of the AST printer: a recursive walk writing `Kind details @line:col` lines,
// two spaces of indentation per level, child roles (`cond:`, `then:`) where a node has several
// children of the same kind. Strings are printed quoted with escapes so the output stays one
// node per line.
#include "compiler/ast/printer.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>

namespace sfn::ast {

namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u{%x}", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

const char* binary_op(BinaryOp op) {
  switch (op) {
    case BinaryOp::Coalesce:
      return "??";
    case BinaryOp::Or:
      return "||";
    case BinaryOp::And:
      return "&&";
    case BinaryOp::Eq:
      return "==";
    case BinaryOp::Ne:
      return "!=";
    case BinaryOp::Lt:
      return "<";
    case BinaryOp::Le:
      return "<=";
    case BinaryOp::Gt:
      return ">";
    case BinaryOp::Ge:
      return ">=";
    case BinaryOp::Add:
      return "+";
    case BinaryOp::Sub:
      return "-";
    case BinaryOp::Mul:
      return "*";
    case BinaryOp::Div:
      return "/";
    case BinaryOp::Rem:
      return "%";
  }
  return "?";
}

const char* assign_op(AssignOp op) {
  switch (op) {
    case AssignOp::Set:
      return "=";
    case AssignOp::Add:
      return "+=";
    case AssignOp::Sub:
      return "-=";
    case AssignOp::Mul:
      return "*=";
    case AssignOp::Div:
      return "/=";
    case AssignOp::Rem:
      return "%=";
  }
  return "?";
}

const char* unit_name(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::Ns:
      return "ns";
    case DurationUnit::Us:
      return "us";
    case DurationUnit::Ms:
      return "ms";
    case DurationUnit::S:
      return "s";
    case DurationUnit::M:
      return "m";
    case DurationUnit::H:
      return "h";
    case DurationUnit::D:
      return "d";
  }
  return "?";
}

std::string format_double(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

class Printer {
 public:
  Printer(const source::SourceManager& sources) : sources_(sources) {}

  std::string take() { return std::move(out_); }

  void program(const Program& p) {
    line(0, "Program");
    for (const File& f : p.files) file(f, 1);
  }

 private:
  std::string at(const Span& span) const {
    if (!span.valid() || span.file > sources_.size()) return "@?";
    source::LineCol lc = sources_.file(span.file).line_col(span.begin);
    return "@" + std::to_string(lc.line) + ":" + std::to_string(lc.column);
  }

  void line(int depth, const std::string& text) {
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }

  static std::string doc_suffix(const Doc& doc) { return doc.empty() ? "" : " doc=" + quote(doc); }

  void file(const File& f, int d) {
    std::string path =
        f.file != source::kNoFile && f.file <= sources_.size() ? sources_.file(f.file).path() : std::string("?");
    line(d, "File " + path);
    if (f.package) line(d + 1, "Package " + f.package->joined() + " " + at(f.package->span));
    for (const Import& i : f.imports) {
      line(d + 1, "Import " + (i.path ? quote(*i.path) : i.module ? i.module->joined() : "?") + " " + at(i.span));
    }
    for (const Decl& decl : f.decls) declaration(decl, d + 1);
  }

  void declaration(const Decl& decl, int d) {
    std::visit([&](const auto& x) { this->decl(x, d); }, decl);
  }

  static std::string typed(const TypePtr& t) { return t ? type_to_string(*t) : "<none>"; }

  void decl(const MessageDecl& m, int d) {
    line(d, "Message " + m.name.name + " " + at(m.span) + doc_suffix(m.doc));
    for (const Field& f : m.fields) {
      line(d + 1, "Field " + f.name.name + ": " + typed(f.type) + " " + at(f.span) + doc_suffix(f.doc));
      if (f.default_value) expr(*f.default_value, d + 2, "default: ");
    }
  }
  void decl(const EnumDecl& e, int d) {
    line(d, "Enum " + e.name.name + " " + at(e.span) + doc_suffix(e.doc));
    for (const EnumValue& v : e.values) line(d + 1, "Value " + v.name.name + " " + at(v.name.span) + doc_suffix(v.doc));
  }
  void decl(const ConstDecl& c, int d) {
    line(d, "Const " + c.name.name + ": " + typed(c.type) + " " + at(c.span) + doc_suffix(c.doc));
    if (c.value) expr(*c.value, d + 1, "");
  }
  void decl(const FnDecl& f, int d) {
    std::string params;
    for (const Param& p : f.params) {
      if (!params.empty()) params += ", ";
      params += p.name.name + ": " + typed(p.type);
    }
    line(d, std::string(f.is_extern ? "ExternFn " : "Fn ") + f.name.name + "(" + params + ")" +
                (f.return_type ? " -> " + type_to_string(*f.return_type) : "") + " " + at(f.span) + doc_suffix(f.doc));
    if (f.body) block(*f.body, d + 1, "");
  }
  void decl(const FunctionDecl& f, int d) {
    line(d, "Function " + f.name.name + "(" + f.key.name.name + ": " + typed(f.key.type) + ") " + at(f.span) +
                doc_suffix(f.doc));
    for (const StateDecl& s : f.states) {
      line(d + 1, "State " + s.name.name + ": " + typed(s.type) + " " + at(s.span) + doc_suffix(s.doc));
      if (s.init) expr(*s.init, d + 2, "init: ");
      if (s.expires) {
        line(d + 2, std::string("Expires after ") + (s.expires->mode == ExpiryMode::AfterCall ? "call" : "write") +
                        " " + at(s.expires->span));
        if (s.expires->duration) expr(*s.expires->duration, d + 3, "");
      }
    }
    for (const Handler& h : f.handlers) {
      line(d + 1, "Handler on " + h.message_type.name + (h.param ? "(" + h.param->name + ")" : "") + " " + at(h.span) +
                      doc_suffix(h.doc));
      block(h.body, d + 2, "");
    }
  }
  void decl(const IngressDecl& i, int d) {
    line(d, "Ingress " + i.name.name + "(" + i.param.name.name + ": " + typed(i.param.type) + ") " + at(i.span) +
                doc_suffix(i.doc));
    if (i.route) expr(*i.route, d + 1, "route: ");
  }
  void decl(const EgressDecl& e, int d) {
    line(d, "Egress " + e.name.name + ": " + typed(e.type) + " " + at(e.span) + doc_suffix(e.doc));
  }

  void block(const Block& b, int d, const std::string& role) {
    line(d, role + "Block " + at(b.span));
    for (const StmtPtr& s : b.stmts) {
      if (s) stmt(*s, d + 1);
    }
  }

  void opt_expr(const ExprPtr& e, int d, const std::string& role) {
    if (e)
      expr(*e, d, role);
    else
      line(d, role + "<missing>");
  }

  void stmt(const Stmt& s, int d) {
    const std::string pos = " " + at(s.span);
    // One printer per kind of stmt_kinds.def.
    std::visit([&](const auto& n) { print(n, d, pos); }, s.node);
  }

  void print(const LetStmt& n, int d, const std::string& pos) {
    line(d,
         std::string(n.is_var ? "Var " : "Let ") + n.name.name + (n.type ? ": " + type_to_string(*n.type) : "") + pos);
    if (n.value) expr(*n.value, d + 1, "");
  }

  void print(const AssignStmt& n, int d, const std::string& pos) {
    line(d, std::string("Assign ") + assign_op(n.op) + pos);
    opt_expr(n.target, d + 1, "target: ");
    opt_expr(n.value, d + 1, "value: ");
  }

  void print(const IfStmt& n, int d, const std::string& pos) {
    line(d, "If" + pos);
    opt_expr(n.cond, d + 1, "cond: ");
    block(n.then_block, d + 1, "then: ");
    if (n.else_block) block(*n.else_block, d + 1, "else: ");
  }

  void print(const WhileStmt& n, int d, const std::string& pos) {
    line(d, "While" + pos);
    opt_expr(n.cond, d + 1, "cond: ");
    block(n.body, d + 1, "");
  }

  void print(const ForStmt& n, int d, const std::string& pos) {
    line(d, "For " + n.var.name + (n.value_var ? ", " + n.value_var->name : "") + pos);
    opt_expr(n.iterable, d + 1, "in: ");
    block(n.body, d + 1, "");
  }

  void print(const BreakStmt&, int d, const std::string& pos) { line(d, "Break" + pos); }

  void print(const ContinueStmt&, int d, const std::string& pos) { line(d, "Continue" + pos); }

  void print(const ReturnStmt& n, int d, const std::string& pos) {
    line(d, "Return" + pos);
    if (n.value) expr(*n.value, d + 1, "");
  }

  void print(const EmitStmt& n, int d, const std::string& pos) {
    line(d, "Emit to " + n.egress.name + pos);
    opt_expr(n.message, d + 1, "");
  }

  void print(const CancelStmt& n, int d, const std::string& pos) {
    line(d, "Cancel" + pos);
    opt_expr(n.timer, d + 1, "");
  }

  void print(const ClearStmt& n, int d, const std::string& pos) {
    line(d, "Clear " + (n.target ? n.target->name : std::string("self")) + pos);
  }

  void print(const FailStmt& n, int d, const std::string& pos) {
    line(d, "Fail" + pos);
    opt_expr(n.reason, d + 1, "");
  }

  void print(const ExprStmt& n, int d, const std::string& pos) {
    line(d, "ExprStmt" + pos);
    opt_expr(n.expr, d + 1, "");
  }

  void print(const ErrorStmt&, int d, const std::string& pos) { line(d, "ErrorStmt" + pos); }

  void expr(const Expr& e, int d, const std::string& role) {
    const std::string pos = " " + at(e.span);
    // One printer per kind of expr_kinds.def.
    std::visit([&](const auto& n) { print(n, d, role, pos); }, e.node);
  }

  void print(const IntLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Int " + std::to_string(n.value) + (n.overflow ? " (overflow)" : "") + pos);
  }

  void print(const FloatLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Float " + format_double(n.value) + pos);
  }

  void print(const DurationLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Duration " + std::to_string(n.amount) + unit_name(n.unit) + " = " + std::to_string(n.nanos) + "ns" +
                (n.overflow ? " (overflow)" : "") + pos);
  }

  void print(const BoolLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Bool " + (n.value ? "true" : "false") + pos);
  }

  void print(const NoneLit&, int d, const std::string& role, const std::string& pos) { line(d, role + "None" + pos); }

  void print(const StringLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "String" + pos);
    for (const StringPart& p : n.parts) {
      if (p.expr)
        expr(*p.expr, d + 1, "interp: ");
      else
        line(d + 1, "text: " + quote(p.text) + " " + at(p.span));
    }
  }

  void print(const ListLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "List" + pos);
    for (const ExprPtr& x : n.elements) opt_expr(x, d + 1, "");
  }

  void print(const MapLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Map" + pos);
    for (const MapEntry& m : n.entries) {
      line(d + 1, "Entry " + at(m.span));
      opt_expr(m.key, d + 2, "key: ");
      opt_expr(m.value, d + 2, "value: ");
    }
  }

  void print(const MessageLit& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "MessageLit " + n.type.name + pos);
    for (const FieldInit& f : n.fields) opt_expr(f.value, d + 1, f.name.name + ": ");
  }

  void print(const Name& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Name " + n.ident.name + pos);
  }

  void print(const SelfExpr&, int d, const std::string& role, const std::string& pos) { line(d, role + "Self" + pos); }

  void print(const FieldAccess& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Field ." + n.field.name + pos);
    opt_expr(n.object, d + 1, "");
  }

  void print(const Index& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Index" + pos);
    opt_expr(n.object, d + 1, "");
    opt_expr(n.index, d + 1, "index: ");
  }

  void print(const Call& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Call" + pos);
    opt_expr(n.callee, d + 1, "callee: ");
    for (const ExprPtr& a : n.args) opt_expr(a, d + 1, "arg: ");
  }

  void print(const Unwrap& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Unwrap" + pos);
    opt_expr(n.operand, d + 1, "");
  }

  void print(const Unary& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Unary " + (n.op == UnaryOp::Neg ? "-" : "!") + pos);
    opt_expr(n.operand, d + 1, "");
  }

  void print(const Binary& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Binary " + binary_op(n.op) + pos);
    opt_expr(n.lhs, d + 1, "");
    opt_expr(n.rhs, d + 1, "");
  }

  void print(const Range& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + "Range" + pos);
    opt_expr(n.begin, d + 1, "");
    opt_expr(n.end, d + 1, "");
  }

  void print(const Send& n, int d, const std::string& role, const std::string& pos) {
    line(d, role + std::string(n.delay ? "SendAfter" : "Send") + pos);
    opt_expr(n.message, d + 1, "message: ");
    opt_expr(n.target, d + 1, "to: ");
    if (n.delay) expr(*n.delay, d + 1, "after: ");
  }

  void print(const ErrorExpr&, int d, const std::string& role, const std::string& pos) {
    line(d, role + "ErrorExpr" + pos);
  }

  const source::SourceManager& sources_;
  std::string out_;
};

}  // namespace

std::string type_to_string(const TypeExpr& type) {
  auto arg = [&](std::size_t i) {
    return i < type.args.size() && type.args[i] ? type_to_string(*type.args[i]) : std::string("?");
  };
  switch (type.kind) {
    case TypeExpr::Kind::Named:
      return type.name.name.empty() ? "<missing>" : type.name.name;
    case TypeExpr::Kind::List:
      return "list<" + arg(0) + ">";
    case TypeExpr::Kind::Map:
      return "map<" + arg(0) + ", " + arg(1) + ">";
    case TypeExpr::Kind::Ref:
      return "ref<" + type.name.name + ">";
    case TypeExpr::Kind::Optional:
      return arg(0) + "?";
  }
  return "?";
}

std::string print_ast(const Program& program, const source::SourceManager& sources) {
  Printer printer(sources);
  printer.program(program);
  return printer.take();
}

}  // namespace sfn::ast
